//! Turning records into layer rows, or into precise reasons they cannot be.
//!
//! Every field of every record is checked, so one pass reports every problem in a
//! file. A record becomes a row only if it has none. Points are checked against the
//! stored villages' extent; ids against earlier records and the store; dates against
//! each other and today; measurements against plausible ranges; haz supplied or computed ([`haz`]).

use super::boundary;
use super::fields;
use super::haz;
use super::identity::{self, Identity, IdentityKey};
use super::key::PseudonymKey;
use super::placement::VillagePlaces;
use super::shape;
use super::source::{RawGeometry, Record};
use crate::model::{
    Child, Facility, FacilityKind, Household, LayerKind, Period, TargetGroup, TargetGroups, Village,
};
use crate::risk::zscore::Position;
use crate::store::LayerRows;
use chrono::NaiveDate;
use geo::{Point, Rect};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::RangeInclusive;

/// Plausible measured length/height of a child under five, in centimetres.
pub const HEIGHT_CM: RangeInclusive<f64> = 38.0..=130.0;
/// Oldest age at measurement sigap accepts: children under five.
pub const MAX_AGE_MONTHS: i32 = 60;

/// What a record is checked against.
pub struct Context<'a> {
    pub kind: LayerKind,
    /// The stored villages' extent grown by 0.01° on each side; `None` for villages.
    ///
    /// # Units
    /// WGS84 degrees, `x = lon`, `y = lat`.
    pub extent: Option<Rect<f64>>,
    /// Ids already in the layer (pseudonyms for households, [`child_key`]s for
    /// children); empty when replacing.
    pub stored_ids: HashSet<String>,
    /// Children only: the period of every row (`--period`), overriding a `period`
    /// column and the measurement month.
    pub period: Option<Period>,
    pub today: NaiveDate,
    pub key: &'a PseudonymKey,
    /// `"line"` or `"feature"`, for reasons that point at another record.
    pub unit: &'static str,
    /// The stored villages by code, where children without coordinates are placed;
    /// empty for other layers.
    pub villages: VillagePlaces,
    /// Seals the identifying fields of children and households; `None` drops them.
    pub identity: Option<&'a IdentityKey>,
}

/// What validation changed or noticed in the rows it kept, for the import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    /// Children without coordinates placed at their village by its code.
    pub placed_by_village: usize,
    /// Children with coordinates outside the village their `village_code` names (or
    /// with a code of no stored village); kept as measured.
    pub village_mismatches: usize,
    /// Village boundaries closed or repaired: `(code, what was done)`.
    pub repairs: Vec<(String, String)>,
    /// Children whose supplied `haz` differs from the one computed from sex, dates
    /// and height by more than [`super::zscores::HAZ_TOLERANCE`]; kept as supplied.
    pub haz_disagreements: usize,
    /// The first [`HAZ_LINES_SHOWN`] of their lines (or feature numbers).
    pub haz_disagreement_lines: Vec<u64>,
    /// Children kept per measurement period.
    pub periods: BTreeMap<Period, usize>,
    /// Children without a supplied haz whose haz was computed from sex, age and height.
    pub haz_computed: usize,
    /// Children kept with an implausible haz (WHO flag, beyond ±6): stored, counted
    /// in no rate.
    pub haz_flagged: usize,
    /// The first [`HAZ_LINES_SHOWN`] of their lines (or feature numbers).
    pub haz_flagged_lines: Vec<u64>,
    /// Households lacking at least one family field (target groups, unfit housing,
    /// 4T): not counted at risk on what is unknown (see `model::families`).
    pub family_unknown: usize,
    /// Records whose identifying fields (name, address...) were sealed.
    pub identities: usize,
    /// Records whose identifying fields were dropped for want of an identity key.
    pub identities_dropped: usize,
}

/// How many lines of children whose haz disagrees (or is flagged) the notes keep.
pub const HAZ_LINES_SHOWN: usize = 5;

impl Notes {
    fn merge(&mut self, other: Notes) {
        self.placed_by_village += other.placed_by_village;
        self.village_mismatches += other.village_mismatches;
        self.repairs.extend(other.repairs);
        self.haz_disagreements += other.haz_disagreements;
        for (p, n) in other.periods {
            *self.periods.entry(p).or_insert(0) += n;
        }
        let room = HAZ_LINES_SHOWN.saturating_sub(self.haz_disagreement_lines.len());
        self.haz_disagreement_lines
            .extend(other.haz_disagreement_lines.into_iter().take(room));
        self.haz_computed += other.haz_computed;
        self.haz_flagged += other.haz_flagged;
        self.family_unknown += other.family_unknown;
        self.identities += other.identities;
        self.identities_dropped += other.identities_dropped;
        let room = HAZ_LINES_SHOWN.saturating_sub(self.haz_flagged_lines.len());
        self.haz_flagged_lines
            .extend(other.haz_flagged_lines.into_iter().take(room));
    }
}

/// One failed field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

/// Checks records one by one and collects the rows that pass.
pub struct Validator<'a> {
    ctx: Context<'a>,
    /// Stored id (pseudonym for people) to the record that first used it.
    first_seen: HashMap<String, u64>,
    rows: LayerRows,
    notes: Notes,
    /// Notes about the record being checked, kept only if it passes.
    pending: Notes,
    /// The decimal separators the file's numbers may use.
    decimal: fields::Decimal,
    /// Sealed identities of the kept rows, `(pseudonym, sealed)`, written with them.
    sealed: Vec<(String, Vec<u8>)>,
    /// The identity of the record being checked, kept only if it passes.
    pending_identity: Option<(String, Identity)>,
}

/// The errors found so far in one record.
struct Checks<'r> {
    rec: &'r Record,
    errors: Vec<FieldError>,
    decimal: fields::Decimal,
}

impl<'r> Checks<'r> {
    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            reason: reason.into(),
        });
    }

    /// The trimmed text of a field that must not be empty.
    fn required(&mut self, field: &str) -> Option<&'r str> {
        let text = self.rec.get(field);
        if text.is_empty() {
            self.fail(field, "empty; a value is required");
            None
        } else {
            Some(text)
        }
    }

    fn parse<T>(&mut self, field: &str, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        let text = self.required(field)?;
        parse(text).map_err(|reason| self.fail(field, reason)).ok()
    }

    /// An optional field: `Ok(None)` when empty (or without a column), `Err` (the
    /// reason recorded) when its text does not parse.
    fn maybe<T>(
        &mut self,
        field: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ()> {
        match self.rec.get(field) {
            "" => Ok(None),
            text => parse(text)
                .map(Some)
                .map_err(|reason| self.fail(field, reason)),
        }
    }

    fn number(&mut self, field: &str) -> Option<f64> {
        let text = self.required(field)?;
        fields::number(text, self.decimal)
            .map_err(|reason| self.fail(field, reason))
            .ok()
    }

    fn number_in(&mut self, field: &str, range: &RangeInclusive<f64>, why: &str) -> Option<f64> {
        let v = self.number(field)?;
        if range.contains(&v) {
            Some(v)
        } else {
            let (lo, hi) = (range.start(), range.end());
            self.fail(field, format!("{v} is outside {lo}..{hi}{why}"));
            None
        }
    }

    fn date(&mut self, field: &str, today: NaiveDate) -> Option<NaiveDate> {
        let d = self.parse(field, fields::date)?;
        if d > today {
            self.fail(field, format!("{d} is in the future (today is {today})"));
            return None;
        }
        Some(d)
    }
}

impl<'a> Validator<'a> {
    #[must_use]
    pub fn new(ctx: Context<'a>) -> Self {
        let rows = match ctx.kind {
            LayerKind::Villages => LayerRows::Villages(Vec::new()),
            LayerKind::Children => LayerRows::Children(Vec::new()),
            LayerKind::Households => LayerRows::Households(Vec::new()),
            LayerKind::Facilities => LayerRows::Facilities(Vec::new()),
        };
        Self {
            ctx,
            first_seen: HashMap::new(),
            rows,
            notes: Notes::default(),
            pending: Notes::default(),
            decimal: fields::Decimal::default(),
            sealed: Vec::new(),
            pending_identity: None,
        }
    }

    /// Whether the file's numbers may use a decimal comma (`-3,9672`): yes unless
    /// its reader says otherwise (a comma-separated CSV file).
    pub fn set_decimal_comma(&mut self, allowed: bool) {
        self.decimal = if allowed {
            fields::Decimal::DotOrComma
        } else {
            fields::Decimal::Dot
        };
    }

    /// Checks one record: keeps its row if valid, else returns every failed field.
    pub fn check(&mut self, rec: &Record) -> Vec<FieldError> {
        let mut c = Checks {
            rec,
            errors: Vec::new(),
            decimal: self.decimal,
        };
        self.pending = Notes::default();
        match self.ctx.kind {
            LayerKind::Villages => {
                let row = self.village(&mut c);
                if let LayerRows::Villages(rows) = &mut self.rows {
                    keep(rows, row, &c.errors);
                }
            }
            LayerKind::Children => {
                let row = self.child(&mut c);
                if let LayerRows::Children(rows) = &mut self.rows {
                    keep(rows, row, &c.errors);
                }
            }
            LayerKind::Households => {
                let row = self.household(&mut c);
                if let LayerRows::Households(rows) = &mut self.rows {
                    keep(rows, row, &c.errors);
                }
            }
            LayerKind::Facilities => {
                let row = self.facility(&mut c);
                if let LayerRows::Facilities(rows) = &mut self.rows {
                    keep(rows, row, &c.errors);
                }
            }
        }
        let who = self.pending_identity.take();
        if c.errors.is_empty() {
            if let Some((pseudonym, who)) = who {
                match self.ctx.identity {
                    Some(key) => {
                        let layer = self.ctx.kind.as_str();
                        self.sealed
                            .push((pseudonym.clone(), key.seal(layer, &pseudonym, &who)));
                        self.pending.identities += 1;
                    }
                    None => self.pending.identities_dropped += 1,
                }
            }
            self.notes.merge(std::mem::take(&mut self.pending));
        }
        c.errors
    }

    /// The sealed identities of the rows kept since the last call, `(pseudonym,
    /// sealed)`, for the writer's identities table.
    pub fn take_identities(&mut self) -> Vec<(String, Vec<u8>)> {
        std::mem::take(&mut self.sealed)
    }

    /// The identifying fields of a child or household record, checked; `None` when
    /// it has none (or one of them failed, the reason recorded).
    fn identity(c: &mut Checks<'_>) -> Option<Identity> {
        let mut who = Identity::default();
        let mut ok = true;
        for (field, slot) in [
            ("name", &mut who.name),
            ("parent_name", &mut who.parent),
            ("address", &mut who.address),
            ("dusun", &mut who.dusun),
            ("posyandu", &mut who.posyandu),
        ] {
            match c.maybe(field, identity::text) {
                Ok(v) => *slot = v.unwrap_or_default(),
                Err(()) => ok = false,
            }
        }
        let numbers: [(&str, TextParse, &mut String); 2] = [
            ("rt", identity::rt, &mut who.rt),
            ("rw", identity::rw, &mut who.rw),
        ];
        for (field, parse, slot) in numbers {
            match c.maybe(field, parse) {
                Ok(v) => *slot = v.unwrap_or_default(),
                Err(()) => ok = false,
            }
        }
        match c.maybe("phone", identity::phone) {
            Ok(v) => who.phone = v.unwrap_or_default(),
            Err(()) => ok = false,
        }
        (ok && !who.is_empty()).then_some(who)
    }

    /// What validation changed or noticed in the rows kept so far.
    #[must_use]
    pub fn notes(&self) -> &Notes {
        &self.notes
    }

    /// The rows that passed, in input order (those not taken by
    /// [`Validator::take_rows`]).
    #[must_use]
    pub fn finish(self) -> LayerRows {
        self.rows
    }

    /// The rows kept since the last call, for writing in batches; ids are still
    /// checked against every earlier record.
    pub fn take_rows(&mut self) -> LayerRows {
        std::mem::replace(&mut self.rows, LayerRows::empty(self.ctx.kind))
    }

    /// How many kept rows wait for [`Validator::take_rows`].
    #[must_use]
    pub fn pending_rows(&self) -> usize {
        self.rows.len()
    }

    fn child(&mut self, c: &mut Checks<'_>) -> Option<Child> {
        let pseudonym = c.required("id").map(|id| self.ctx.key.pseudonym(id));
        let place = self.child_place(c);
        let sex = c.parse("sex", fields::sex);
        let birth = c.date("birth_date", self.ctx.today);
        let measure = c.date("measure_date", self.ctx.today);
        let period = self.child_period(c, measure);
        let id = match (pseudonym, period) {
            (Some(id), Some(p)) => self.unique_child(c, id, p),
            _ => None,
        };
        if let (Some(b), Some(m)) = (birth, measure) {
            let months = fields::age_months(b, m);
            if m < b {
                c.fail("measure_date", format!("{m} is before birth_date {b}"));
            } else if months > MAX_AGE_MONTHS {
                c.fail(
                    "birth_date",
                    format!(
                        "age at measurement is {months} months; sigap takes children \
                         under five (0..{MAX_AGE_MONTHS} months)"
                    ),
                );
            }
        }
        let height_cm = c.number_in("height_cm", &HEIGHT_CM, "");
        let haz = self.child_haz(
            c,
            &haz::HazInputs {
                sex,
                birth,
                measured_on: measure,
                height_cm,
                position: Position::parse(c.rec.get("measured")).ok(),
            },
        );
        let who = Self::identity(c);
        let (location, placed_by_village) = place?;
        let id = id?;
        self.pending_identity = who.map(|w| (id.clone(), w));
        Some(Child {
            id,
            location,
            sex: sex?,
            birth_date: birth?,
            measure_date: measure?,
            height_cm: height_cm?,
            haz: haz?,
            placed_by_village,
            period: period?,
        })
    }

    /// The child's period: `--period`, else its `period` column, else the month of
    /// its measurement date. Counted in the notes once the row is kept.
    fn child_period(&mut self, c: &mut Checks<'_>, measure: Option<NaiveDate>) -> Option<Period> {
        let period = match (self.ctx.period, c.rec.get("period")) {
            (Some(p), _) => Some(p),
            (None, "") => measure.map(Period::of_date),
            (None, text) => text
                .parse::<Period>()
                .map_err(|e| c.fail("period", e.to_string()))
                .ok(),
        }?;
        self.pending.periods.insert(period, 1);
        Some(period)
    }

    /// Fails `id` if the child was measured on an earlier record of the same period
    /// or is already stored for it; returns the pseudonym.
    fn unique_child(&mut self, c: &mut Checks<'_>, id: String, period: Period) -> Option<String> {
        let key = child_key(&id, period);
        if let Some(first) = self.first_seen.get(&key) {
            let unit = self.ctx.unit;
            c.fail(
                "id",
                format!("duplicate id in period {period}: already used on {unit} {first}"),
            );
            return None;
        }
        self.first_seen.insert(key.clone(), c.rec.at);
        if self.ctx.stored_ids.contains(&key) {
            c.fail(
                "id",
                format!(
                    "this child is already in the store for period {period} \
                     (pass --replace to replace the periods of this file)"
                ),
            );
            return None;
        }
        Some(id)
    }

    /// The supplied haz, else one computed from the measurements (see
    /// [`haz`]); notes disagreements, computed values and WHO flags.
    fn child_haz(&mut self, c: &mut Checks<'_>, inputs: &haz::HazInputs) -> Option<f64> {
        let supplied = if c.rec.get("haz").is_empty() {
            None
        } else {
            Some(c.number("haz")?)
        };
        let Some(z) = haz::resolve(supplied, inputs) else {
            if let Some(reason) = haz::missing_reason(inputs) {
                c.fail("haz", reason);
            }
            return None;
        };
        let at = c.rec.at;
        let notes = &mut self.pending;
        if z.disagrees() {
            notes.haz_disagreements += 1;
            notes.haz_disagreement_lines.push(at);
        }
        if matches!(z, haz::Haz::Computed(_)) {
            notes.haz_computed += 1;
        }
        if z.flagged() {
            notes.haz_flagged += 1;
            notes.haz_flagged_lines.push(at);
        }
        Some(z.value())
    }

    /// A child's point and, when it had no coordinates, the village code it was
    /// placed by. A `village_code` given with coordinates is only checked against
    /// them (a mismatch is counted, not rejected).
    fn child_place(&mut self, c: &mut Checks<'_>) -> Option<(Point<f64>, Option<String>)> {
        let code_text = c.rec.get("village_code");
        let no_position = match &c.rec.geometry {
            None => c.rec.get("lat").is_empty() && c.rec.get("lon").is_empty(),
            Some(g) => *g == RawGeometry::Missing,
        };
        if no_position && !code_text.is_empty() {
            let code = c.parse("village_code", fields::village_code)?;
            let Some(point) = self.ctx.villages.place(&code) else {
                c.fail(
                    "village_code",
                    format!(
                        "the row has no coordinates and no stored village has code {code}; \
                         give lat/lon, fix the code, or import that village's boundary"
                    ),
                );
                return None;
            };
            self.pending.placed_by_village += 1;
            return Some((point, Some(code)));
        }
        let point = self.location(c)?;
        if !code_text.is_empty() {
            let inside = fields::village_code(code_text)
                .ok()
                .and_then(|code| self.ctx.villages.holds(&code, point));
            if inside != Some(true) {
                self.pending.village_mismatches += 1;
            }
        }
        Some((point, None))
    }

    fn household(&mut self, c: &mut Checks<'_>) -> Option<Household> {
        let id = self.person_id(c);
        let location = self.location(c);
        let has_latrine = c.parse("has_latrine", fields::boolean);
        let safe_water = c.parse("safe_water", fields::boolean);
        let improved_sanitation = c.parse("improved_sanitation", fields::boolean);
        let unfit_housing = c.maybe("unfit_housing", fields::boolean);
        let four_t = c.maybe("four_t", fields::boolean);
        let targets = target_groups(c);
        let who = Self::identity(c);
        let (unfit_housing, four_t, targets) = (unfit_housing.ok()?, four_t.ok()?, targets.ok()?);
        if unfit_housing.is_none() || four_t.is_none() || targets.is_none() {
            self.pending.family_unknown += 1;
        }
        let id = id?;
        self.pending_identity = who.map(|w| (id.clone(), w));
        Some(Household {
            id,
            location: location?,
            has_latrine: has_latrine?,
            safe_water: safe_water?,
            improved_sanitation: improved_sanitation?,
            unfit_housing,
            four_t,
            targets,
        })
    }

    fn facility(&mut self, c: &mut Checks<'_>) -> Option<Facility> {
        let id = c.required("id").map(str::to_string);
        let id = id.and_then(|id| self.unique(c, "id", id));
        let name = c.required("name").map(str::to_string);
        let kind = c.parse("kind", |t| {
            FacilityKind::parse(t).ok_or_else(|| {
                format!("`{t}` is not a facility kind (puskesmas, pustu or posyandu)")
            })
        });
        let location = self.location(c);
        Some(Facility {
            id: id?,
            name: name?,
            kind: kind?,
            location: location?,
        })
    }

    fn village(&mut self, c: &mut Checks<'_>) -> Option<Village> {
        let code = c.parse("code", fields::village_code);
        let code = code.and_then(|code| self.unique(c, "code", code));
        let name = c.required("name").map(str::to_string);
        let district = c.required("district").map(str::to_string);
        // The reason names the feature by its code, as planners know it.
        let named = match c.rec.get("code") {
            "" => String::new(),
            code => format!("village {code}: "),
        };
        let boundary = boundary::read(c.rec.geometry.as_ref())
            .map_err(|e| c.fail("geometry", format!("{named}{e}")));
        let (code, boundary) = (code?, boundary.ok()?);
        if let Some(repair) = boundary.repair {
            self.pending.repairs.push((code.clone(), repair));
        }
        Some(Village {
            code,
            name: name?,
            district: district?,
            boundary: boundary.shape,
        })
    }

    /// The pseudonym of a child's or household's id, checked for duplicates.
    fn person_id(&mut self, c: &mut Checks<'_>) -> Option<String> {
        let id = c.required("id")?;
        let pseudonym = self.ctx.key.pseudonym(id);
        self.unique(c, "id", pseudonym)
    }

    /// Fails `field` if `id` was used by an earlier record or is already stored.
    fn unique(&mut self, c: &mut Checks<'_>, field: &str, id: String) -> Option<String> {
        if let Some(first) = self.first_seen.get(&id) {
            let unit = self.ctx.unit;
            c.fail(
                field,
                format!("duplicate {field}: already used on {unit} {first}"),
            );
            return None;
        }
        self.first_seen.insert(id.clone(), c.rec.at);
        if self.ctx.stored_ids.contains(&id) {
            c.fail(
                field,
                format!(
                    "this {field} is already in the store's {} layer \
                     (pass --replace to replace the whole layer)",
                    self.ctx.kind
                ),
            );
            return None;
        }
        Some(id)
    }

    /// The record's point: its Point geometry, or its `lat` and `lon` columns.
    fn location(&self, c: &mut Checks<'_>) -> Option<Point<f64>> {
        let (lon, lat, fields) = match &c.rec.geometry {
            None => {
                let lat = c.number("lat");
                let lon = c.number("lon");
                (lon?, lat?, ["lat", "lon", "lat/lon"])
            }
            Some(RawGeometry::Point(p)) if p.len() >= 2 => (p[0], p[1], ["geometry"; 3]),
            Some(other) => {
                c.fail(
                    "geometry",
                    format!("{}; a Point is required", shape::describe(other)),
                );
                return None;
            }
        };
        match shape::place(lon, lat, self.ctx.extent) {
            Ok(point) => Some(point),
            Err((which, reason)) => {
                c.fail(fields[which as usize], reason);
                None
            }
        }
    }
}

/// A field parser that gives text (RT, RW).
type TextParse = fn(&str) -> Result<String, String>;

/// The key a child is unique by: its pseudonym and period.
#[must_use]
pub fn child_key(pseudonym: &str, period: Period) -> String {
    format!("{pseudonym} {period}")
}

/// A household's target groups from the yes/no columns `catin`, `bumil`, `bufas`,
/// `baduta`, `balita` and the `sasaran` list, together: `Some(None)` when all are
/// empty (the family was not surveyed), `Err` when one does not parse. A yes in
/// either form puts the group in; an empty yes/no cell beside others is a no.
fn target_groups(c: &mut Checks<'_>) -> Result<Option<TargetGroups>, ()> {
    let mut set = TargetGroups::NONE;
    let mut known = false;
    let mut ok = true;
    for g in TargetGroup::ALL {
        match c.maybe(g.key(), fields::boolean) {
            Ok(Some(yes)) => {
                known = true;
                if yes {
                    set = set.with(g);
                }
            }
            Ok(None) => {}
            Err(()) => ok = false,
        }
    }
    match c.maybe("sasaran", TargetGroups::parse_list) {
        Ok(Some(list)) => {
            known = true;
            for g in list.iter() {
                set = set.with(g);
            }
        }
        Ok(None) => {}
        Err(()) => ok = false,
    }
    if ok {
        Ok(known.then_some(set))
    } else {
        Err(())
    }
}

/// Keeps `row` if the record it came from had no failed field.
fn keep<T>(rows: &mut Vec<T>, row: Option<T>, errors: &[FieldError]) {
    if let Some(row) = row
        && errors.is_empty()
    {
        rows.push(row);
    }
}

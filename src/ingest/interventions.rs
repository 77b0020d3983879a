//! Reading an intervention file: which programme reached which child, household or
//! village, when, how much, and who delivered it.
//!
//! A CSV or a spreadsheet (`.xlsx`, `.ods`) with a programme column and, for each row,
//! the id its programme's target needs: a child's id (`id_anak`, `nik_anak`, `id`),
//! a household's (`id_keluarga`, `no_kk`) or a village code (`kode_desa`). Ids are
//! pseudonymised with the store's key and must be in the store. Each delivery counts
//! towards one weighing round (`periode`, else the round its date falls in: a round
//! runs from its month until the next round starts, at most six months). Every bad
//! row is named (file, line or row, column, reason) and nothing is written unless
//! every row is good.

use super::fields::{self, Decimal};
use super::source::Record;
use super::{IngestError, PseudonymKey};
use crate::model::{Beneficiary, Delivery, Period, Programme, Recipient, TargetGroups};
use chrono::{Datelike, NaiveDate};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The columns read, each with the names it may have (lower case).
const PROGRAMME: &[&str] = &[
    "program",
    "programme",
    "kode_program",
    "programme_code",
    "intervensi",
];
const CHILD: &[&str] = &["id_anak", "nik_anak", "child_id", "id", "nik"];
const HOUSEHOLD: &[&str] = &[
    "id_keluarga",
    "id_kk",
    "no_kk",
    "household_id",
    "id_rumah_tangga",
];
const VILLAGE: &[&str] = &["kode_desa", "village_code", "kode_kelurahan"];
const DATE: &[&str] = &["tanggal", "date", "tanggal_pemberian", "tgl"];
const PERIOD: &[&str] = &["periode", "period"];
const QUANTITY: &[&str] = &["jumlah", "quantity", "qty"];
const UNIT: &[&str] = &["satuan", "unit"];
const COST: &[&str] = &["biaya", "cost", "biaya_rp"];
const BY: &[&str] = &["oleh", "by", "opd", "pemberi", "pelaksana", "sponsor"];

/// What the store holds that a delivery may name.
pub struct Known<'a> {
    /// The programme catalogue.
    pub programmes: &'a [Programme],
    /// The children's pseudonyms (any period).
    pub children: &'a HashSet<String>,
    /// The households' pseudonyms and target groups.
    pub households: &'a HashMap<String, Option<TargetGroups>>,
    /// The villages' codes.
    pub villages: &'a HashSet<String>,
    /// The weighing rounds with measurements, in order.
    pub periods: &'a [Period],
    /// Today: a delivery cannot be dated later.
    pub today: NaiveDate,
}

/// What a ledger import checks its rows against, read from the store once: the
/// owner of the sets a [`Known`] borrows.
#[derive(Debug, Clone, Default)]
pub struct StoreKeys {
    /// The children's pseudonyms (any period).
    pub children: HashSet<String>,
    /// The households' pseudonyms and target groups.
    pub households: HashMap<String, Option<TargetGroups>>,
    /// The villages' codes.
    pub villages: HashSet<String>,
    /// The weighing rounds with measurements, in order.
    pub periods: Vec<Period>,
}

impl StoreKeys {
    /// Reads the keys of `store`, a file or the PostgreSQL database (one read of the
    /// children: their pseudonyms and the rounds they were measured in).
    pub fn read(
        store: &mut impl crate::store::LedgerKeys,
    ) -> Result<Self, crate::store::StoreError> {
        let (children, mut periods): (HashSet<String>, Vec<Period>) =
            store.child_keys()?.into_iter().unzip();
        periods.sort_unstable();
        periods.dedup();
        Ok(Self {
            children,
            households: store.household_groups()?,
            villages: store.village_codes()?,
            periods,
        })
    }

    /// The keys with the catalogue and today's date, as [`read_interventions`] takes
    /// them.
    #[must_use]
    pub fn known<'a>(&'a self, programmes: &'a [Programme], today: NaiveDate) -> Known<'a> {
        Known {
            programmes,
            children: &self.children,
            households: &self.households,
            villages: &self.villages,
            periods: &self.periods,
            today,
        }
    }
}

/// The weighing round a delivery on `date` counts towards: the last round that
/// started on or before it, while the next has not started and for at most six
/// months; `None` before the first round or after the last one ended.
#[must_use]
pub fn period_of(date: NaiveDate, periods: &[Period]) -> Option<Period> {
    let month = |p: Period| i32::from(p.year()) * 12 + i32::from(p.month()) - 1;
    let at = date.year() * 12 + date.month0() as i32;
    let i = periods.iter().rposition(|&p| month(p) <= at)?;
    let end = periods.get(i + 1).map_or(month(periods[i]) + 6, |&next| {
        (month(periods[i]) + 6).min(month(next))
    });
    (at < end).then_some(periods[i])
}

/// The rounds as a reader would list them: `2025-08, 2026-02`.
fn listed(periods: &[Period]) -> String {
    if periods.is_empty() {
        return "none: import children first".into();
    }
    periods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest programme code to `text` (edit distance at most 2), for a typo.
fn closest<'a>(text: &str, programmes: &'a [Programme]) -> Option<&'a str> {
    let t = text.to_lowercase();
    programmes
        .iter()
        .map(|p| (edit_distance(&t, &p.code), p.code.as_str()))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance between two short codes (the typo hints of the ledger's
/// readers: a file, a campaign).
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Every delivery of `path`, all or none: the rows, or every bad row named.
pub fn read_interventions(
    path: &Path,
    key: &PseudonymKey,
    known: &Known<'_>,
) -> Result<Vec<Delivery>, IngestError> {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, Recipient, NaiveDate), u64> = HashMap::new();
    super::table::read_rows(
        path,
        "interventions",
        check_columns,
        |record, decimal, unit| {
            let row = Row::new(record);
            let mut d = parse_row(&row, key, known, decimal)?;
            let k = (d.programme.clone(), d.recipient.clone(), d.date);
            if let Some(first) = seen.get(&k) {
                return Err((
                    row.name(DATE).to_owned(),
                    format!(
                        "the same delivery (programme, recipient and date) is on {unit} {first} too"
                    ),
                ));
            }
            seen.insert(k, record.at);
            d.source = format!("file:{file_name}:{}", record.at);
            rows.push(d);
            Ok(())
        },
    )?;
    Ok(rows)
}

/// Fails when the file has no programme or date column, naming the names it may have.
fn check_columns(path: &Path, columns: &[String]) -> Result<(), IngestError> {
    let lower: Vec<String> = columns.iter().map(|c| c.trim().to_lowercase()).collect();
    for (what, names) in [("programme", PROGRAMME), ("date", DATE)] {
        if !lower.iter().any(|c| names.contains(&c.as_str())) {
            return Err(IngestError::Format {
                path: path.to_owned(),
                reason: format!(
                    "no {what} column; name one of: {} (the file has: {})",
                    names.join(", "),
                    columns.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// One record's fields by lower-cased column name.
struct Row<'r> {
    fields: HashMap<String, (&'r str, &'r str)>,
}

impl<'r> Row<'r> {
    fn new(record: &'r Record) -> Self {
        Self {
            fields: record
                .fields
                .iter()
                .map(|(k, v)| (k.trim().to_lowercase(), (k.as_str(), v.trim())))
                .collect(),
        }
    }

    /// The first of `names` present, with its text (possibly empty).
    fn get(&self, names: &[&str]) -> Option<(&'r str, &'r str)> {
        names.iter().find_map(|n| self.fields.get(*n).copied())
    }

    /// The text of the first of `names` present and non-empty.
    fn text(&self, names: &[&str]) -> Option<&'r str> {
        names
            .iter()
            .filter_map(|n| self.fields.get(*n))
            .map(|(_, v)| *v)
            .find(|v| !v.is_empty())
    }

    /// The column's name as the file writes it (for a reject), else the first name.
    fn name(&self, names: &[&'static str]) -> &'r str {
        self.get(names).map_or(names[0], |(n, _)| n)
    }
}

type Bad = (String, String);

fn parse_row(
    row: &Row<'_>,
    key: &PseudonymKey,
    known: &Known<'_>,
    decimal: Decimal,
) -> Result<Delivery, Bad> {
    let bad = |names: &[&'static str], reason: String| (row.name(names).to_owned(), reason);
    let code = row
        .text(PROGRAMME)
        .ok_or_else(|| bad(PROGRAMME, "empty programme".into()))?;
    let programme = known
        .programmes
        .iter()
        .find(|p| p.code.eq_ignore_ascii_case(code) || p.name.eq_ignore_ascii_case(code))
        .ok_or_else(|| {
            let hint = closest(code, known.programmes)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            let codes: Vec<&str> = known.programmes.iter().map(|p| p.code.as_str()).collect();
            bad(
                PROGRAMME,
                format!(
                    "unknown programme `{code}`{hint} (programmes in sigap.toml: {})",
                    codes.join(", ")
                ),
            )
        })?;
    let recipient = recipient(row, programme, key, known)?;
    let date_text = row
        .text(DATE)
        .ok_or_else(|| bad(DATE, "empty date".into()))?;
    let date = fields::date(date_text).map_err(|e| bad(DATE, e))?;
    if date > known.today {
        return Err(bad(
            DATE,
            format!("{date} is in the future (today is {})", known.today),
        ));
    }
    let period = round(row, date, known)?;
    let amount = |names: &[&'static str], what: &str| -> Result<Option<f64>, Bad> {
        let Some(text) = row.text(names) else {
            return Ok(None);
        };
        let v = fields::number(text, decimal).map_err(|e| bad(names, e))?;
        if v < 0.0 {
            return Err(bad(names, format!("negative {what} `{text}`")));
        }
        Ok(Some(v))
    };
    let quantity = amount(QUANTITY, "quantity")?;
    let cost = amount(COST, "cost")?;
    Ok(Delivery {
        programme: programme.code.clone(),
        recipient,
        date,
        period,
        quantity,
        unit: row
            .text(UNIT)
            .map(str::to_owned)
            .or_else(|| programme.unit.clone()),
        cost,
        by: row
            .text(BY)
            .map(str::to_owned)
            .or_else(|| programme.by.clone()),
        source: String::new(),
    })
}

/// The child, household or village a row names, as its programme needs.
fn recipient(
    row: &Row<'_>,
    programme: &Programme,
    key: &PseudonymKey,
    known: &Known<'_>,
) -> Result<Recipient, Bad> {
    let bad = |names: &[&'static str], reason: String| (row.name(names).to_owned(), reason);
    let recipient = match programme.target {
        Beneficiary::Child => {
            let id = row.text(CHILD).ok_or_else(|| {
                bad(
                    CHILD,
                    format!("`{}` reaches a child: give the child's id", programme.code),
                )
            })?;
            let p = key.pseudonym(id);
            if !known.children.contains(&p) {
                return Err(bad(
                    CHILD,
                    "no child with this id in the store (import the children first)".into(),
                ));
            }
            Recipient::Child(p)
        }
        Beneficiary::Household | Beneficiary::Group(_) => {
            let id = row.text(HOUSEHOLD).ok_or_else(|| {
                bad(
                    HOUSEHOLD,
                    format!(
                        "`{}` reaches a household: give the household's id",
                        programme.code
                    ),
                )
            })?;
            let p = key.pseudonym(id);
            match known.households.get(&p) {
                None => {
                    return Err(bad(
                        HOUSEHOLD,
                        "no household with this id in the store (import the households first)"
                            .into(),
                    ));
                }
                Some(Some(groups)) => {
                    if let Beneficiary::Group(g) = programme.target
                        && !groups.contains(g)
                    {
                        return Err(bad(
                            HOUSEHOLD,
                            format!(
                                "`{}` reaches {} but this household has none in the family data",
                                programme.code,
                                g.key()
                            ),
                        ));
                    }
                }
                Some(None) => {}
            }
            Recipient::Household(p)
        }
        Beneficiary::Village => {
            let text = row.text(VILLAGE).ok_or_else(|| {
                bad(
                    VILLAGE,
                    format!("`{}` reaches a village: give its code", programme.code),
                )
            })?;
            let code = fields::village_code(text).map_err(|e| bad(VILLAGE, e))?;
            if !known.villages.contains(&code) {
                return Err(bad(VILLAGE, format!("no village {text} in the store")));
            }
            Recipient::Village(code)
        }
    };
    Ok(recipient)
}

/// The weighing round a row's delivery on `date` counts towards.
fn round(row: &Row<'_>, date: NaiveDate, known: &Known<'_>) -> Result<Period, Bad> {
    let bad = |names: &[&'static str], reason: String| (row.name(names).to_owned(), reason);
    let period = match row.text(PERIOD) {
        Some(text) => {
            let p: Period = text
                .parse()
                .map_err(|e: crate::model::PeriodError| bad(PERIOD, e.to_string()))?;
            if !known.periods.contains(&p) {
                return Err(bad(
                    PERIOD,
                    format!(
                        "no weighing round {p} in the store (rounds: {})",
                        listed(known.periods)
                    ),
                ));
            }
            p
        }
        None => period_of(date, known.periods).ok_or_else(|| {
            bad(
                DATE,
                format!(
                    "{date} is outside every weighing round (rounds: {}; a round runs from its \
                     month until the next starts, at most six months); give a `periode` column \
                     to choose one",
                    listed(known.periods)
                ),
            )
        })?,
    };
    Ok(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().expect("test value")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test value")
    }

    #[test]
    fn a_delivery_counts_towards_the_round_it_falls_in() {
        let rounds = [p("2025-08"), p("2026-02")];
        assert_eq!(period_of(d("2025-07-31"), &rounds), None);
        assert_eq!(period_of(d("2025-08-01"), &rounds), Some(p("2025-08")));
        assert_eq!(period_of(d("2026-01-31"), &rounds), Some(p("2025-08")));
        assert_eq!(period_of(d("2026-02-01"), &rounds), Some(p("2026-02")));
        assert_eq!(period_of(d("2026-07-31"), &rounds), Some(p("2026-02")));
        assert_eq!(period_of(d("2026-08-01"), &rounds), None);
        // A gap longer than six months between rounds: the months after the first
        // round's six belong to none.
        let gap = [p("2025-02"), p("2026-02")];
        assert_eq!(period_of(d("2025-07-15"), &gap), Some(p("2025-02")));
        assert_eq!(period_of(d("2025-10-15"), &gap), None);
        assert_eq!(period_of(d("2025-10-15"), &[]), None);
    }

    #[test]
    fn typos_find_the_programme() {
        assert_eq!(edit_distance("telor", "telur"), 1);
        assert_eq!(edit_distance("", "pmt"), 3);
        let programmes = crate::model::default_programmes();
        assert_eq!(closest("PMt", &programmes), Some("pmt"));
        assert_eq!(closest("telor", &programmes), Some("telur"));
        assert_eq!(closest("beasiswa", &programmes), None);
    }
}

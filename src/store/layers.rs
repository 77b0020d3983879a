//! Writing one layer in one transaction, and reading every layer back.

use super::geometry::{decode_multi_polygon, decode_point, encode_multi_polygon, encode_point};
use super::{Store, StoreError};
use crate::model::{
    Child, Facility, FacilityKind, Household, LayerKind, Period, PointCells, Sex, TargetGroups,
    Village, point_cells,
};
use crate::store::Dataset;
use chrono::NaiveDate;
use geo::{BoundingRect, Point, Rect};
use rusqlite::{Row, Transaction, params};
use std::collections::HashSet;
use std::path::Path;

/// The most rows a table's first allocation makes room for (a store with more
/// grows as before): a corrupt or huge `fid` must not reserve the machine's memory.
const MAX_ROWS_HINT: usize = 1 << 24;

/// How often [`Store::load_side_by_side_with`] reads on three connections before it
/// reads on one: each retry means an import committed during the last try.
pub(super) const SIDE_BY_SIDE_TRIES: usize = 3;

/// Validated rows of one layer, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerRows {
    Villages(Vec<Village>),
    /// Children whose `id` is already a pseudonym.
    Children(Vec<Child>),
    /// Households whose `id` is already a pseudonym.
    Households(Vec<Household>),
    Facilities(Vec<Facility>),
}

impl LayerRows {
    /// Which layer these rows belong to.
    #[must_use]
    pub fn kind(&self) -> LayerKind {
        match self {
            Self::Villages(_) => LayerKind::Villages,
            Self::Children(_) => LayerKind::Children,
            Self::Households(_) => LayerKind::Households,
            Self::Facilities(_) => LayerKind::Facilities,
        }
    }

    /// The number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Villages(v) => v.len(),
            Self::Children(v) => v.len(),
            Self::Households(v) => v.len(),
            Self::Facilities(v) => v.len(),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// No rows of layer `kind`.
    #[must_use]
    pub fn empty(kind: LayerKind) -> Self {
        match kind {
            LayerKind::Villages => Self::Villages(Vec::new()),
            LayerKind::Children => Self::Children(Vec::new()),
            LayerKind::Households => Self::Households(Vec::new()),
            LayerKind::Facilities => Self::Facilities(Vec::new()),
        }
    }

    /// The bounding box of every row's geometry, `None` when empty.
    pub(super) fn bounds(&self) -> Option<Rect<f64>> {
        let rects: Vec<Rect<f64>> = match self {
            Self::Villages(v) => v
                .iter()
                .filter_map(|r| r.boundary.bounding_rect())
                .collect(),
            Self::Children(v) => v.iter().map(|r| r.location.bounding_rect()).collect(),
            Self::Households(v) => v.iter().map(|r| r.location.bounding_rect()).collect(),
            Self::Facilities(v) => v.iter().map(|r| r.location.bounding_rect()).collect(),
        };
        rects.into_iter().reduce(union)
    }
}

/// The feature table of a layer.
pub(super) fn table(kind: LayerKind) -> &'static str {
    kind.as_str()
}

/// The column holding a layer's unique id (a pseudonym for people).
pub(super) fn id_column(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::Villages => "code",
        LayerKind::Children | LayerKind::Households => "pseudonym",
        LayerKind::Facilities => "id",
    }
}

pub(super) fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
        (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
    )
}

impl Store {
    /// Writes `rows` into their layer in ONE transaction and bumps the revision in it.
    ///
    /// With `replace`, the layer's old rows are deleted first; otherwise the rows are
    /// added and an id already stored fails the whole write. On any error nothing
    /// changes. Returns the new revision. [`Store::layer_writer`] does the same for
    /// rows that arrive in batches.
    pub fn write_layer(&mut self, rows: &LayerRows, replace: bool) -> Result<u64, StoreError> {
        let mut writer = self.layer_writer(rows.kind(), replace)?;
        writer.write(rows)?;
        writer.commit()
    }

    /// The revision and every layer of it, read in one read transaction, so an
    /// import committing meanwhile (from another connection or process) is either
    /// wholly in or wholly out.
    pub fn load_revision(&self) -> Result<(u64, Dataset), StoreError> {
        let (data, revision) = self.in_one_read(Self::load)?;
        Ok((revision, data))
    }

    /// Every layer, each in the order it was imported, the households with the H3
    /// cells stored with them ([`Dataset::household_cells`]).
    pub fn load(&self) -> Result<Dataset, StoreError> {
        self.load_with(true)
    }

    /// Every layer, the households with their stored cells; the households left
    /// empty without `households`.
    fn load_with(&self, households: bool) -> Result<Dataset, StoreError> {
        let villages = self.read_table(
            "SELECT fid, geom, code, name, district FROM villages ORDER BY fid",
            "villages",
            village_row,
        )?;
        let children = self.read_table(
            "SELECT fid, geom, pseudonym, sex, birth_date, measure_date, height_cm, haz, \
             placed_by_village, period FROM children ORDER BY fid",
            "children",
            child_row,
        )?;
        let (households, household_cells) = if households {
            self.households()?
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Dataset {
            villages,
            children,
            households: households.into(),
            household_cells: household_cells.into(),
            facilities: self.read_table(
                "SELECT fid, geom, id, name, kind FROM facilities ORDER BY fid",
                "facilities",
                facility_row,
            )?,
            population: self.population()?,
            assignments: self.assignments()?.into(),
            roads: self.roads()?.map(|r| std::sync::Arc::new(r.network)),
            osm_extract: self.osm_extract()?.map(std::sync::Arc::new),
            deliveries: self.deliveries(None)?,
            measure_targets: self.measure_targets()?,
        })
    }

    /// [`Store::load_revision`] with the households (the largest layer) read in two
    /// halves on two more read-only connections meanwhile, and `with_households` run
    /// on them and their stored H3 cells (see [`Store::households`]; the dataset
    /// keeps both) as soon as both halves are in, while the other layers may still
    /// load. A store in memory is read on this connection alone.
    ///
    /// Each connection reads in one read transaction, and all three must have seen
    /// the same revision: an import committing between their starts makes them read
    /// again, and after [`SIDE_BY_SIDE_TRIES`] tries everything is read here alone.
    pub fn load_side_by_side_with<T: Send>(
        &self,
        with_households: impl Fn(&[Household], &[Option<PointCells>]) -> T + Sync,
    ) -> Result<(u64, Dataset, T), StoreError> {
        if self.path != Path::new(":memory:") {
            for _ in 0..SIDE_BY_SIDE_TRIES {
                if let Some(read) = self.try_side_by_side(&with_households)? {
                    return Ok(read);
                }
                tracing::debug!("the store changed while it was read; reading it again");
            }
        }
        let ((mut data, (households, cells)), revision) =
            self.in_one_read(|s| Ok((s.load_with(false)?, s.households()?)))?;
        let t = with_households(&households, &cells);
        data.households = households.into();
        data.household_cells = cells.into();
        Ok((revision, data, t))
    }

    /// One try of [`Store::load_side_by_side_with`]: `None` when the connections
    /// saw different revisions.
    fn try_side_by_side<T: Send>(
        &self,
        with_households: &(impl Fn(&[Household], &[Option<PointCells>]) -> T + Sync),
    ) -> Result<Option<(u64, Dataset, T)>, StoreError> {
        // Where to split: any fid does (the halves are open-ended), the middle one
        // shares the work best.
        let middle: i64 = self.sql(self.conn.query_row(
            "SELECT coalesce((min(fid) + max(fid)) / 2, 0) FROM households",
            [],
            |r| r.get(0),
        ))?;
        let path = &self.path;
        let half = |condition: String| {
            Store::open_read_only(path)?.in_one_read(|s| s.households_where(&condition))
        };
        std::thread::scope(|s| {
            let second = s.spawn(|| half(format!("fid > {middle}")));
            let first = s.spawn(|| {
                let ((mut households, mut cells), revision) = half(format!("fid <= {middle}"))?;
                let ((more, more_cells), other) = second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
                if other != revision {
                    return Ok::<_, StoreError>(None);
                }
                households.extend(more);
                cells.extend(more_cells);
                let t = with_households(&households, &cells);
                Ok(Some((households, cells, t, revision)))
            });
            let (mut data, revision) = self.in_one_read(|s| s.load_with(false))?;
            let halves = first
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
            Ok(halves
                .filter(|h| h.3 == revision)
                .map(|(households, cells, t, _)| {
                    data.households = households.into();
                    data.household_cells = cells.into();
                    (revision, data, t)
                }))
        })
    }

    /// Runs `read` in one read transaction (so every query sees the same commit),
    /// with the store revision it saw; inside a transaction already, in that one.
    fn in_one_read<T>(
        &self,
        read: impl FnOnce(&Self) -> Result<T, StoreError>,
    ) -> Result<(T, u64), StoreError> {
        let own = self.conn.is_autocommit();
        if own {
            self.sql(self.conn.execute_batch("BEGIN"))?;
        }
        let result = self
            .revision()
            .and_then(|revision| read(self).map(|t| (t, revision)));
        if own {
            // Nothing was written: ending the transaction only lets go of its snapshot.
            let ended = self.sql(self.conn.execute_batch("COMMIT"));
            if result.is_ok() {
                ended?;
            }
        }
        result
    }

    /// Every household, in import order, with its H3 cells at the public
    /// resolutions as stored at import (`None` for a household stored by a sigap
    /// that did not keep them).
    pub(super) fn households(
        &self,
    ) -> Result<(Vec<Household>, Vec<Option<PointCells>>), StoreError> {
        self.households_where("1")
    }

    /// [`Store::households`] whose row satisfies the SQL `condition` (made here, of
    /// numbers only).
    fn households_where(
        &self,
        condition: &str,
    ) -> Result<(Vec<Household>, Vec<Option<PointCells>>), StoreError> {
        Ok(self
            .read_table(
                &format!(
                    "SELECT fid, geom, pseudonym, has_latrine, safe_water, improved_sanitation, \
                     unfit_housing, four_t, target_groups, h3_5, h3_6, h3_7, h3_8 \
                     FROM households WHERE {condition} ORDER BY fid"
                ),
                "households",
                household_row,
            )?
            .into_iter()
            .unzip())
    }

    /// The ids stored in a layer: village codes, facility ids, or the pseudonyms of
    /// children and households.
    pub fn ids(&self, kind: LayerKind) -> Result<HashSet<String>, StoreError> {
        let sql = format!("SELECT {} FROM {}", id_column(kind), table(kind));
        let mut stmt = self.sql(self.conn.prepare(&sql))?;
        let ids = self.sql(stmt.query_map([], |r| r.get::<_, String>(0)))?;
        self.sql(ids.collect())
    }

    /// Every stored village, in import order.
    pub fn villages(&self) -> Result<Vec<Village>, StoreError> {
        self.read_table(
            "SELECT fid, geom, code, name, district FROM villages ORDER BY fid",
            "villages",
            village_row,
        )
    }

    /// The bounding box of all stored village boundaries, `None` when there are none.
    ///
    /// # Units
    /// WGS84 degrees, `x = lon`, `y = lat`.
    pub fn village_extent(&self) -> Result<Option<Rect<f64>>, StoreError> {
        let villages = self.read_table(
            "SELECT fid, geom, code, name, district FROM villages",
            "villages",
            village_row,
        )?;
        Ok(villages
            .iter()
            .filter_map(|v| v.boundary.bounding_rect())
            .reduce(union))
    }

    /// Runs `query` and converts each row; a value that does not convert is `Corrupt`.
    fn read_table<T>(
        &self,
        query: &str,
        table: &'static str,
        convert: fn(&Row<'_>) -> rusqlite::Result<Result<T, String>>,
    ) -> Result<Vec<T>, StoreError> {
        // Room for every row at once: growing by doubling instead copied the
        // households of a city several times over, a tenth of `sigap publish`'s
        // page faults on the demo city. The span of the fids is read from the two
        // ends of the table's b-tree, without a scan; a hint only (deleted rows
        // leave it larger). Not the largest fid alone: a layer replaced by every
        // import keeps counting fids up, so a server reloading it reserved more each
        // time, and test_trust's memory check failed twice with that (266-278 MB
        // resident after three imports, 376-389 MB after ten more; with the span
        // 379-398 MB, then 385-387 MB).
        let span: Option<i64> = self.sql(self.conn.query_row(
            &format!("SELECT (SELECT max(fid) FROM {table}) - (SELECT min(fid) FROM {table}) + 1"),
            [],
            |r| r.get(0),
        ))?;
        let mut out = Vec::with_capacity(
            usize::try_from(span.unwrap_or(0))
                .unwrap_or(0)
                .min(MAX_ROWS_HINT),
        );
        let mut stmt = self.sql(self.conn.prepare(query))?;
        let mut rows = self.sql(stmt.query([]))?;
        while let Some(row) = self.sql(rows.next())? {
            let fid: i64 = self.sql(row.get(0))?;
            match self.sql(convert(row))? {
                Ok(value) => out.push(value),
                Err(reason) => {
                    return Err(StoreError::Corrupt {
                        path: self.path.clone(),
                        table,
                        fid,
                        reason,
                    });
                }
            }
        }
        Ok(out)
    }
}

pub(super) fn insert(tx: &Transaction<'_>, rows: &LayerRows) -> rusqlite::Result<()> {
    match rows {
        LayerRows::Villages(rows) => {
            let mut stmt = tx.prepare(
                "INSERT INTO villages (geom, code, name, district) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for v in rows {
                let geom = encode_multi_polygon(&v.boundary);
                stmt.execute(params![geom, v.code, v.name, v.district])?;
            }
        }
        LayerRows::Children(rows) => {
            let mut stmt = tx.prepare(
                "INSERT INTO children (geom, pseudonym, sex, birth_date, measure_date, \
                 height_cm, haz, placed_by_village, period) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for c in rows {
                stmt.execute(params![
                    encode_point(c.location),
                    c.id,
                    c.sex.code(),
                    c.birth_date.to_string(),
                    c.measure_date.to_string(),
                    c.height_cm,
                    c.haz,
                    c.placed_by_village,
                    c.period.to_string()
                ])?;
            }
        }
        LayerRows::Households(rows) => {
            // Found here, on every core, so that every load need not.
            let points: Vec<Point<f64>> = rows.iter().map(|h| h.location).collect();
            let cells = cells_as_stored(&points);
            let mut stmt = tx.prepare(
                "INSERT INTO households (geom, pseudonym, has_latrine, safe_water, \
                 improved_sanitation, unfit_housing, four_t, target_groups, \
                 h3_5, h3_6, h3_7, h3_8) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for (h, [c5, c6, c7, c8]) in rows.iter().zip(cells) {
                stmt.execute(params![
                    encode_point(h.location),
                    h.id,
                    h.has_latrine,
                    h.safe_water,
                    h.improved_sanitation,
                    h.unfit_housing,
                    h.four_t,
                    h.targets.map(TargetGroups::bits),
                    c5,
                    c6,
                    c7,
                    c8
                ])?;
            }
        }
        LayerRows::Facilities(rows) => {
            let mut stmt = tx
                .prepare("INSERT INTO facilities (geom, id, name, kind) VALUES (?1, ?2, ?3, ?4)")?;
            for f in rows {
                stmt.execute(params![
                    encode_point(f.location),
                    f.id,
                    f.name,
                    f.kind.as_str()
                ])?;
            }
        }
    }
    Ok(())
}

/// Updates the layer's `last_change` and bounds in `gpkg_contents`.
pub(super) fn update_contents(
    tx: &Transaction<'_>,
    table: &str,
    new: Option<Rect<f64>>,
    replace: bool,
) -> rusqlite::Result<()> {
    let old: Option<Rect<f64>> = if replace {
        None
    } else {
        tx.query_row(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?1",
            [table],
            |r| {
                let bounds: [Option<f64>; 4] = [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?];
                Ok(match bounds {
                    [Some(min_x), Some(min_y), Some(max_x), Some(max_y)] => {
                        Some(Rect::new((min_x, min_y), (max_x, max_y)))
                    }
                    _ => None,
                })
            },
        )?
    };
    let bounds = match (old, new) {
        (Some(a), Some(b)) => Some(union(a, b)),
        (a, b) => a.or(b),
    };
    tx.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
         min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5 WHERE table_name = ?1",
        params![
            table,
            bounds.map(|b| b.min().x),
            bounds.map(|b| b.min().y),
            bounds.map(|b| b.max().x),
            bounds.map(|b| b.max().y)
        ],
    )?;
    Ok(())
}

/// Column `i` of `r` as the blob SQLite holds, borrowed: no copy per row of the
/// 90,000 households' geometries.
fn blob<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    let value = r.get_ref(i)?;
    value
        .as_blob()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e)))
}

fn point(blob: &[u8]) -> Result<Point<f64>, String> {
    decode_point(blob).map_err(|e| format!("geom: {e}"))
}

/// A stored date: `YYYY-MM-DD` as sigap writes it, read without chrono's general
/// parser (two per child, a few percent of loading a city); any other form goes
/// through that parser, with the same result and error as before.
fn date(column: &str, value: &str) -> Result<NaiveDate, String> {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
        && let Some(date) = NaiveDate::from_ymd_opt(y.cast_signed(), m, d)
    {
        return Ok(date);
    }
    value
        .parse()
        .map_err(|_| format!("{column} `{value}` is not a YYYY-MM-DD date"))
}

/// A TEXT value borrowed from the row (no copy for a value only looked at).
fn text<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    let value = r.get_ref(i)?;
    value
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e)))
}

fn village_row(r: &Row<'_>) -> rusqlite::Result<Result<Village, String>> {
    let geom = blob(r, 1)?;
    let (code, name, district) = (r.get(2)?, r.get(3)?, r.get(4)?);
    Ok(decode_multi_polygon(geom)
        .map_err(|e| format!("geom: {e}"))
        .map(|boundary| Village {
            code,
            name,
            district,
            boundary,
        }))
}

fn child_row(r: &Row<'_>) -> rusqlite::Result<Result<Child, String>> {
    let geom = blob(r, 1)?;
    let id: String = r.get(2)?;
    let sex = text(r, 3)?;
    let birth = text(r, 4)?;
    let measure = text(r, 5)?;
    let (height_cm, haz): (f64, f64) = (r.get(6)?, r.get(7)?);
    let placed_by_village: Option<String> = r.get(8)?;
    let period = r.get_ref(9)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok((|| {
        let sex = sex_of(sex)?;
        let measure_date = date("measure_date", measure)?;
        // NULL only in a row written by an older sigap after the column was added.
        let period = match period {
            Some(p) => p.parse().map_err(|e| format!("period: {e}"))?,
            None => Period::of_date(measure_date),
        };
        Ok(Child {
            id,
            location: point(geom)?,
            sex,
            birth_date: date("birth_date", birth)?,
            measure_date,
            height_cm,
            haz,
            placed_by_village,
            period,
        })
    })())
}

/// A child's stored `sex` (M or F), in either store.
pub(super) fn sex_of(code: &str) -> Result<Sex, String> {
    match code {
        "M" => Ok(Sex::Male),
        "F" => Ok(Sex::Female),
        other => Err(format!("sex `{other}` is not M or F")),
    }
}

/// A households row's columns as either store reads them, before they are checked
/// by [`household_of`].
pub(super) struct HouseholdColumns {
    pub(super) id: String,
    /// The decoded `geom` (each store has its own geometry encoding), or why not.
    pub(super) location: Result<Point<f64>, String>,
    pub(super) has_latrine: bool,
    pub(super) safe_water: bool,
    pub(super) improved_sanitation: bool,
    pub(super) unfit_housing: Option<bool>,
    pub(super) four_t: Option<bool>,
    /// `target_groups`: the [`TargetGroups`] bits, NULL when the file did not say.
    pub(super) target_groups: Option<i64>,
    /// `h3_5` to `h3_8`, as [`stored_cells`] reads them.
    pub(super) cells: [Option<i64>; 4],
}

/// A household and its stored cells from its row's columns, in either store; `Err`
/// names the first column that does not decode.
pub(super) fn household_of(
    columns: HouseholdColumns,
) -> Result<(Household, Option<PointCells>), String> {
    let targets = columns
        .target_groups
        .map(|b| {
            u8::try_from(b)
                .ok()
                .and_then(TargetGroups::from_bits)
                .ok_or_else(|| format!("target_groups {b} has bits beyond the five groups"))
        })
        .transpose()?;
    let household = Household {
        id: columns.id,
        location: columns.location?,
        has_latrine: columns.has_latrine,
        safe_water: columns.safe_water,
        improved_sanitation: columns.improved_sanitation,
        unfit_housing: columns.unfit_housing,
        four_t: columns.four_t,
        targets,
    };
    Ok((household, stored_cells(columns.cells)?))
}

/// A household and its stored cells (columns 9 to 12, `h3_5` to `h3_8`).
fn household_row(r: &Row<'_>) -> rusqlite::Result<Result<(Household, Option<PointCells>), String>> {
    Ok(household_of(HouseholdColumns {
        location: point(blob(r, 1)?),
        id: r.get(2)?,
        has_latrine: r.get(3)?,
        safe_water: r.get(4)?,
        improved_sanitation: r.get(5)?,
        unfit_housing: r.get(6)?,
        four_t: r.get(7)?,
        target_groups: r.get(8)?,
        cells: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
    }))
}

/// The points' cells at the public resolutions, found on every core, as stored (the
/// 64-bit H3 index; NULL for a point with none).
///
/// # Units
/// WGS84 degrees (x = lon, y = lat).
pub(super) fn cells_as_stored(points: &[Point<f64>]) -> Vec<[Option<i64>; 4]> {
    use rayon::prelude::*;
    points
        .par_iter()
        .map(|p| point_cells(*p).map(|c| c.map(|c| u64::from(c).cast_signed())))
        .collect()
}

/// Stores the cells of every household (a store from before they were kept);
/// returns how many. Runs inside the caller's transaction.
pub(super) fn fill_household_cells(tx: &Transaction<'_>) -> rusqlite::Result<usize> {
    let mut read = tx.prepare("SELECT fid, geom FROM households")?;
    let (fids, points): (Vec<i64>, Vec<Point<f64>>) = read
        .query_map([], |r| {
            // A geometry that does not decode gets no cells here; loading the store
            // reports it as corrupt.
            let location = decode_point(blob(r, 1)?).unwrap_or(Point::new(f64::NAN, f64::NAN));
            Ok((r.get::<_, i64>(0)?, location))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let cells = cells_as_stored(&points);
    let mut write = tx.prepare(
        "UPDATE households SET h3_5 = ?2, h3_6 = ?3, h3_7 = ?4, h3_8 = ?5 WHERE fid = ?1",
    )?;
    for (fid, [c5, c6, c7, c8]) in fids.iter().zip(cells) {
        write.execute(params![fid, c5, c6, c7, c8])?;
    }
    Ok(fids.len())
}

/// Stored cells back as cells: `None` when none is stored (a household written by
/// a sigap that did not keep them; its cells are found again when needed).
pub(super) fn stored_cells(stored: [Option<i64>; 4]) -> Result<Option<PointCells>, String> {
    if stored.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut out: PointCells = [None; 4];
    for ((slot, value), res) in out
        .iter_mut()
        .zip(stored)
        .zip(crate::model::PUBLIC_RESOLUTIONS)
    {
        let Some(v) = value else { continue };
        let cell = h3o::CellIndex::try_from(v.cast_unsigned())
            .ok()
            .filter(|c| c.resolution() == res)
            .ok_or_else(|| {
                format!(
                    "h3_{}: {v} is not an H3 cell of resolution {}",
                    u8::from(res),
                    u8::from(res)
                )
            })?;
        *slot = Some(cell);
    }
    Ok(Some(out))
}

/// A facility from its row's columns, in either store (`location` decoded there);
/// `Err` names the first column that does not decode.
pub(super) fn facility_of(
    id: String,
    name: String,
    kind: &str,
    location: Result<Point<f64>, String>,
) -> Result<Facility, String> {
    Ok(Facility {
        id,
        name,
        kind: FacilityKind::parse(kind)
            .ok_or_else(|| format!("kind `{kind}` is not puskesmas, pustu or posyandu"))?,
        location: location?,
    })
}

fn facility_row(r: &Row<'_>) -> rusqlite::Result<Result<Facility, String>> {
    let location = point(blob(r, 1)?);
    Ok(facility_of(r.get(2)?, r.get(3)?, text(r, 4)?, location))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn stored_dates_read_as_chrono_reads_them() {
        let chrono = |v: &str| {
            v.parse::<NaiveDate>()
                .map_err(|_| format!("birth_date `{v}` is not a YYYY-MM-DD date"))
        };
        // Every day of four years (a leap year among them), then forms that are not
        // sigap's own: each gives what chrono's parser gives.
        let mut day = NaiveDate::from_ymd_opt(2022, 1, 1).expect("date");
        while day.year() < 2026 {
            let text = day.to_string();
            assert_eq!(date("birth_date", &text), Ok(day), "{text}");
            day = day.succ_opt().expect("next day");
        }
        for odd in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-1-05",
            "2026/01/05",
            "20x6-01-05",
            "",
            "+2026-01-05",
            "2026-01-05 ",
            "١٢٣٤-01-05",
        ] {
            assert_eq!(date("birth_date", odd), chrono(odd), "{odd}");
        }
        assert!(date("birth_date", "2026-02-30").is_err());
    }
}

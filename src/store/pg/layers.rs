//! The four layers (villages, children, households, facilities) on PostgreSQL, read
//! back in one snapshot; `writer.rs` writes them.
//!
//! The same contract as the GeoPackage store (`store/layers.rs`): a reader sees a
//! whole revision, and what is read back equals what SQLite gives for the same rows
//! (the households with the same stored H3 cells). Geometries are read as plain WKB
//! with `ST_AsBinary`. Plain queries, not binary COPY OUT: on 200,000 households the
//! two took the same time within the noise of a shared machine.

use super::types::Date;
use super::{PgStore, pg_error};
use crate::model::{Child, Facility, Household, LayerKind, Period, PointCells, Village};
use crate::store::geometry::{decode_wkb_multi_polygon, decode_wkb_point};
use crate::store::layers::{
    HouseholdColumns, facility_of, household_of, id_column, sex_of, table, union,
};
use crate::store::sql::Pg;
use crate::store::{
    Dataset, StoreError, assignments, deliveries, measure_targets, population, roads,
};
use geo::{BoundingRect, Point, Rect};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{GenericClient, IsolationLevel};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The four layers of one revision, each in the order it was imported (fid order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    pub villages: Vec<Village>,
    pub children: Vec<Child>,
    pub households: Vec<Household>,
    /// The H3 cells stored with each household (same index), as
    /// `Store::households` gives them.
    pub household_cells: Vec<Option<PointCells>>,
    pub facilities: Vec<Facility>,
}

impl PgStore {
    /// The revision and the four layers, read in one `REPEATABLE READ, READ ONLY`
    /// transaction: an import committing meanwhile (from any server) is wholly in or
    /// wholly out.
    pub fn load_layers(&mut self) -> Result<(u64, Layers), StoreError> {
        self.in_one_read(|tx, db| read_layers(tx, db))
    }

    /// The revision and everything a server serves (the four layers, population,
    /// assignments, roads, the ledger, measure targets), read in one snapshot as
    /// [`PgStore::load_layers`] is: what `Store::load_revision` gives on a file.
    pub fn load_revision(&mut self) -> Result<(u64, Dataset), StoreError> {
        self.in_one_read(|tx, db| {
            let layers = read_layers(tx, db)?;
            let place = Path::new(db);
            let mut c = Pg::new(tx);
            let of = |table| move |e| StoreError::of_sql(place, table, e);
            Ok(Dataset {
                villages: layers.villages,
                children: layers.children,
                households: layers.households.into(),
                household_cells: layers.household_cells.into(),
                facilities: layers.facilities,
                population: population::read(&mut c, super::tables::PG_VILLAGES, place)
                    .map_err(of("population_source"))?,
                assignments: assignments::assignments(&mut c)
                    .map_err(of("sigap_assignments"))?
                    .into(),
                roads: roads::roads(&mut c)
                    .map_err(of("sigap_roads"))?
                    .map(|r| std::sync::Arc::new(r.network)),
                osm_extract: roads::osm_extract(&mut c)
                    .map_err(of("sigap_osm_extract"))?
                    .map(std::sync::Arc::new),
                deliveries: deliveries::deliveries(&mut c, None).map_err(of("sigap_deliveries"))?,
                measure_targets: measure_targets::read(&mut c)
                    .map_err(of("sigap_measure_targets"))?,
            })
        })
    }

    /// Runs `read` in one `REPEATABLE READ, READ ONLY` transaction with the revision
    /// it saw.
    pub(super) fn in_one_read<T>(
        &mut self,
        read: impl FnOnce(&mut postgres::Transaction<'_>, &str) -> Result<T, StoreError>,
    ) -> Result<(u64, T), StoreError> {
        let err = pg_error(&self.db);
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(&err)?;
        let revision: i64 = tx
            .query_one(
                "SELECT value::bigint FROM sigap_meta WHERE key = 'revision'",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(&err)?;
        let out = read(&mut tx, &self.db)?;
        // Nothing was written: committing only lets go of the snapshot.
        tx.commit().map_err(&err)?;
        Ok((revision.cast_unsigned(), out))
    }

    /// Every household in import order, with its stored H3 cells (see
    /// `Store::households`).
    pub fn households(&mut self) -> Result<(Vec<Household>, Vec<Option<PointCells>>), StoreError> {
        read_households(&mut self.client, &self.db)
    }

    /// The number of rows of each layer.
    pub fn counts(&mut self) -> Result<[(LayerKind, usize); 4], StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT (SELECT count(*) FROM villages), (SELECT count(*) FROM children),
                        (SELECT count(*) FROM households), (SELECT count(*) FROM facilities)",
                &[],
            )
            .map_err(pg_error(&self.db))?;
        let n = |i: usize| -> Result<usize, StoreError> {
            let n: i64 = row.try_get(i).map_err(pg_error(&self.db))?;
            Ok(usize::try_from(n).unwrap_or(0))
        };
        Ok([
            (LayerKind::Villages, n(0)?),
            (LayerKind::Children, n(1)?),
            (LayerKind::Households, n(2)?),
            (LayerKind::Facilities, n(3)?),
        ])
    }

    /// The ids stored in a layer: village codes, facility ids, or the pseudonyms of
    /// children and households.
    pub fn ids(&mut self, kind: LayerKind) -> Result<HashSet<String>, StoreError> {
        let sql = format!("SELECT {} FROM {}", id_column(kind), table(kind));
        let err = pg_error(&self.db);
        self.client
            .query_raw(&sql, no_params())
            .map_err(&err)?
            .map(|row| row.try_get::<_, String>(0))
            .collect()
            .map_err(&err)
    }

    /// `(pseudonym, period)` of every stored child: what an import that adds
    /// children must not repeat.
    pub fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError> {
        let err = pg_error(&self.db);
        let mut out = HashSet::new();
        let mut rows = self
            .client
            .query_raw("SELECT pseudonym, period FROM children", no_params())
            .map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let (id, period): (String, String) =
                (row.try_get(0).map_err(&err)?, row.try_get(1).map_err(&err)?);
            // A period that does not parse is reported by the load; here it cannot
            // collide with a valid one.
            if let Ok(p) = period.parse() {
                out.insert((id, p));
            }
        }
        Ok(out)
    }

    /// Every stored village, in import order.
    pub fn villages(&mut self) -> Result<Vec<Village>, StoreError> {
        read_villages(&mut self.client, &self.db, true)
    }

    /// The bounding box of all stored village boundaries, `None` when there are none;
    /// computed from the boundaries as the GeoPackage store does (PostGIS's own boxes
    /// are rounded outwards to 32-bit floats).
    ///
    /// # Units
    /// WGS84 degrees, `x = lon`, `y = lat`.
    pub fn village_extent(&mut self) -> Result<Option<Rect<f64>>, StoreError> {
        Ok(read_villages(&mut self.client, &self.db, false)?
            .iter()
            .filter_map(|v| v.boundary.bounding_rect())
            .reduce(union))
    }
}

/// The four layers, read on `c` (inside the caller's snapshot).
fn read_layers(c: &mut impl GenericClient, db: &str) -> Result<Layers, StoreError> {
    let villages = read_villages(c, db, true)?;
    let children = read_children(c, db)?;
    let (households, household_cells) = read_households(c, db)?;
    let facilities = read_facilities(c, db)?;
    Ok(Layers {
        villages,
        children,
        households,
        household_cells,
        facilities,
    })
}

/// No parameters, for `query_raw`.
fn no_params() -> std::iter::Empty<&'static (dyn ToSql + Sync)> {
    std::iter::empty()
}

/// Runs `query` (its first column the fid) and converts each row; a value that
/// does not convert is [`StoreError::Corrupt`] naming the table and fid.
fn read_table<T>(
    c: &mut impl GenericClient,
    db: &str,
    query: &str,
    table: &'static str,
    convert: fn(&postgres::Row) -> Result<Result<T, String>, postgres::Error>,
) -> Result<Vec<T>, StoreError> {
    let err = pg_error(db);
    let mut rows = c.query_raw(query, no_params()).map_err(&err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(&err)? {
        let fid: i64 = row.try_get(0).map_err(&err)?;
        match convert(&row).map_err(&err)? {
            Ok(value) => out.push(value),
            Err(reason) => {
                return Err(StoreError::Corrupt {
                    path: PathBuf::from(db),
                    table,
                    fid,
                    reason,
                });
            }
        }
    }
    Ok(out)
}

pub(super) fn read_villages(
    c: &mut impl GenericClient,
    db: &str,
    ordered: bool,
) -> Result<Vec<Village>, StoreError> {
    let order = if ordered { " ORDER BY fid" } else { "" };
    read_table(
        c,
        db,
        &format!("SELECT fid, ST_AsBinary(geom), code, name, district FROM villages{order}"),
        "villages",
        |r| {
            let geom: &[u8] = r.try_get(1)?;
            let (code, name, district) = (r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
            Ok(decode_wkb_multi_polygon(geom)
                .map_err(|e| format!("geom: {e}"))
                .map(|boundary| Village {
                    code,
                    name,
                    district,
                    boundary,
                }))
        },
    )
}

fn point(wkb: &[u8]) -> Result<Point<f64>, String> {
    decode_wkb_point(wkb).map_err(|e| format!("geom: {e}"))
}

fn read_children(c: &mut impl GenericClient, db: &str) -> Result<Vec<Child>, StoreError> {
    read_table(
        c,
        db,
        "SELECT fid, ST_AsBinary(geom), pseudonym, sex, birth_date, measure_date, height_cm, \
         haz, placed_by_village, period FROM children ORDER BY fid",
        "children",
        |r| {
            let geom: &[u8] = r.try_get(1)?;
            let id: String = r.try_get(2)?;
            let sex: &str = r.try_get(3)?;
            let (Date(birth_date), Date(measure_date)) = (r.try_get(4)?, r.try_get(5)?);
            let (height_cm, haz): (f64, f64) = (r.try_get(6)?, r.try_get(7)?);
            let placed_by_village: Option<String> = r.try_get(8)?;
            let period: &str = r.try_get(9)?;
            Ok((|| {
                Ok(Child {
                    id,
                    sex: sex_of(sex)?,
                    location: point(geom)?,
                    birth_date,
                    measure_date,
                    height_cm,
                    haz,
                    placed_by_village,
                    period: period.parse().map_err(|e| format!("period: {e}"))?,
                })
            })())
        },
    )
}

fn read_households(
    c: &mut impl GenericClient,
    db: &str,
) -> Result<(Vec<Household>, Vec<Option<PointCells>>), StoreError> {
    Ok(read_table(
        c,
        db,
        "SELECT fid, ST_AsBinary(geom), pseudonym, has_latrine, safe_water, \
         improved_sanitation, unfit_housing, four_t, target_groups, h3_5, h3_6, h3_7, h3_8 \
         FROM households ORDER BY fid",
        "households",
        |r| {
            Ok(household_of(HouseholdColumns {
                location: point(r.try_get(1)?),
                id: r.try_get(2)?,
                has_latrine: r.try_get(3)?,
                safe_water: r.try_get(4)?,
                improved_sanitation: r.try_get(5)?,
                unfit_housing: r.try_get(6)?,
                four_t: r.try_get(7)?,
                target_groups: r.try_get(8)?,
                cells: [
                    r.try_get(9)?,
                    r.try_get(10)?,
                    r.try_get(11)?,
                    r.try_get(12)?,
                ],
            }))
        },
    )?
    .into_iter()
    .unzip())
}

fn read_facilities(c: &mut impl GenericClient, db: &str) -> Result<Vec<Facility>, StoreError> {
    read_table(
        c,
        db,
        "SELECT fid, ST_AsBinary(geom), id, name, kind FROM facilities ORDER BY fid",
        "facilities",
        |r| {
            let location = point(r.try_get(1)?);
            Ok(facility_of(
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                location,
            ))
        },
    )
}

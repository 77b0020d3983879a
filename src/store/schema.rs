//! The GeoPackage 1.3 layout of a new store, written once when the file is created.
//!
//! The three required GeoPackage tables come first (spatial reference systems with
//! EPSG:4326 and the two undefined systems, contents, geometry columns), then one
//! feature table per layer and the `sigap_meta` attributes table holding the schema
//! version and the import revision. Column types are GeoPackage ones (`DATE`,
//! `BOOLEAN`, `MULTIPOLYGON`, `POINT`) so GDAL and QGIS show them with the right type.

/// `PRAGMA application_id` of a GeoPackage: the ASCII bytes `GPKG`.
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of a GeoPackage 1.3.0 file.
pub const USER_VERSION: i32 = 10300;
/// The version of sigap's own tables inside the GeoPackage.
pub const SCHEMA_VERSION: u32 = 1;

/// Columns added since schema version 1, as `(table, column, DDL)`: a store that
/// lacks one gets it when opened (SQLite adds a nullable column in place, and older
/// sigap versions, which name the columns they read, still open the file).
pub const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "children",
        "placed_by_village",
        // The village code of a child placed there for lack of coordinates; NULL when
        // the point was measured.
        "ALTER TABLE children ADD COLUMN placed_by_village TEXT",
    ),
    (
        "children",
        "period",
        // The measurement period (YYYY-MM); children stored before periods existed
        // get the month of their measurement date.
        "ALTER TABLE children ADD COLUMN period TEXT; \
         UPDATE children SET period = substr(measure_date, 1, 7) WHERE period IS NULL",
    ),
    // Keluarga berisiko stunting fields of a household, NULL where unknown (every
    // household stored before they existed): rumah tidak layak huni, the 4T, and the
    // target groups as bits (catin 1, bumil 2, bufas 4, baduta 8, balita 16).
    (
        "households",
        "unfit_housing",
        "ALTER TABLE households ADD COLUMN unfit_housing BOOLEAN",
    ),
    (
        "households",
        "four_t",
        "ALTER TABLE households ADD COLUMN four_t BOOLEAN",
    ),
    (
        "households",
        "target_groups",
        "ALTER TABLE households ADD COLUMN target_groups INTEGER",
    ),
    // The household's H3 cell at each public resolution (5 to 8), the 64-bit index
    // as an integer: derived from `geom` by sigap when it writes the row, so that
    // loading a store does not find 4 cells per household again. The rows of an
    // older store get theirs when the columns are added (`Store::open`).
    (
        "households",
        HOUSEHOLD_CELLS_COLUMN,
        "ALTER TABLE households ADD COLUMN h3_5 INTEGER; \
         ALTER TABLE households ADD COLUMN h3_6 INTEGER; \
         ALTER TABLE households ADD COLUMN h3_7 INTEGER; \
         ALTER TABLE households ADD COLUMN h3_8 INTEGER",
    ),
];

/// The column whose absence means a store's households have no stored cells.
pub const HOUSEHOLD_CELLS_COLUMN: &str = "h3_5";

/// A store made before periods has `pseudonym TEXT NOT NULL UNIQUE` on children: one
/// child, one row. Since periods, a child has one row per period; the table is
/// rebuilt without that constraint (see `Store::open`) and this index keeps the pair
/// unique.
pub const CHILD_PERIOD_INDEX: &str =
    "CREATE UNIQUE INDEX IF NOT EXISTS children_pseudonym_period ON children (pseudonym, period)";

/// DDL and fixed rows of a new store; run inside the creating transaction.
pub const CREATE: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
INSERT INTO gpkg_spatial_ref_sys VALUES
 ('WGS 84 geodetic', 4326, 'EPSG', 4326,
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
  'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid'),
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
  'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
  'undefined geographic coordinate reference system');

CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);

CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);

CREATE TABLE villages (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom MULTIPOLYGON NOT NULL,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  district TEXT NOT NULL
);
CREATE TABLE children (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POINT NOT NULL,
  pseudonym TEXT NOT NULL,
  sex TEXT NOT NULL,
  birth_date DATE NOT NULL,
  measure_date DATE NOT NULL,
  height_cm REAL NOT NULL,
  haz REAL NOT NULL,
  placed_by_village TEXT,
  period TEXT NOT NULL
);
CREATE UNIQUE INDEX children_pseudonym_period ON children (pseudonym, period);
CREATE TABLE households (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POINT NOT NULL,
  pseudonym TEXT NOT NULL UNIQUE,
  has_latrine BOOLEAN NOT NULL,
  safe_water BOOLEAN NOT NULL,
  improved_sanitation BOOLEAN NOT NULL,
  unfit_housing BOOLEAN,
  four_t BOOLEAN,
  target_groups INTEGER,
  h3_5 INTEGER,
  h3_6 INTEGER,
  h3_7 INTEGER,
  h3_8 INTEGER
);
CREATE TABLE facilities (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POINT NOT NULL,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL
);
CREATE TABLE sigap_meta (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL
);

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('villages', 'features', 'villages', 'desa/kelurahan boundaries', 4326),
 ('children', 'features', 'children', 'measured children under five (pseudonymised)', 4326),
 ('households', 'features', 'households', 'household sanitation (pseudonymised)', 4326),
 ('facilities', 'features', 'facilities', 'puskesmas, pustu and posyandu', 4326),
 ('sigap_meta', 'attributes', 'sigap_meta', 'sigap store metadata: schema version, import revision', NULL);

INSERT INTO gpkg_geometry_columns VALUES
 ('villages', 'geom', 'MULTIPOLYGON', 4326, 0, 0),
 ('children', 'geom', 'POINT', 4326, 0, 0),
 ('households', 'geom', 'POINT', 4326, 0, 0),
 ('facilities', 'geom', 'POINT', 4326, 0, 0);

INSERT INTO sigap_meta (key, value) VALUES ('schema_version', '1'), ('revision', '0');
"#;

/// Adds one to the store revision inside `tx` and returns the new value (every import
/// takes this step: layers in `writer.rs`, population in `population.rs`).
pub(super) fn bump_revision(
    tx: &rusqlite::Transaction<'_>,
    path: &std::path::Path,
) -> Result<u64, super::StoreError> {
    let sql = |source| super::StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let current: String = tx
        .query_row(
            "SELECT value FROM sigap_meta WHERE key = 'revision'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let revision = current
        .parse::<u64>()
        .map_err(|_| super::StoreError::Corrupt {
            path: path.to_path_buf(),
            table: "sigap_meta",
            fid: 0,
            reason: format!("revision `{current}` is not a whole number"),
        })?
        + 1;
    tx.execute(
        "UPDATE sigap_meta SET value = ?1 WHERE key = 'revision'",
        [revision.to_string()],
    )
    .map_err(sql)?;
    Ok(revision)
}

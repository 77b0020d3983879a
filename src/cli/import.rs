//! `sigap import`: a vector layer (validated, all or nothing) or a population raster.

use anyhow::{Result, bail};
use sigap::ingest::population::PopulationOptions;
use sigap::ingest::{IdentityKey, ImportOptions, PseudonymKey};
use sigap::model::LayerKind;
use sigap::store::{AnyStore, Db, Store};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Validate a layer and write it to the store, all or nothing.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The store: a GeoPackage file (created if missing), or a postgres:// URL of a
    /// database made by `sigap db init` (layers and measure-targets for now; needs
    /// --key).
    #[arg(long)]
    db: Db,
    /// Pseudonymisation key file (default: DB.key beside a store file; created if
    /// missing; required with a postgres:// store).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Write the valid rows and put the rejected ones in a rejects file.
    #[arg(long)]
    skip_invalid: bool,
    /// Where to write rejected rows (default: INPUT.rejects.csv).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Replace the layer instead of adding to it.
    #[arg(long)]
    replace: bool,
    /// Source CRS when the file has none or a wrong one, e.g. EPSG:32751.
    #[arg(long)]
    crs: Option<String>,
    /// Layer (or sheet) to read from a file that has several.
    #[arg(long)]
    layer: Option<String>,
    /// Map a field to a column the importer does not recognise: FIELD=COLUMN (repeatable).
    #[arg(long = "map", value_parser = parse_mapping)]
    map: Vec<(String, String)>,
    /// Dry run: report the column mapping and every problem, write nothing.
    #[arg(long)]
    check: bool,
    /// Children only: the measurement period of every row (YYYY-MM, e.g. 2026-08),
    /// overriding a `period` column and the measurement month.
    #[arg(long)]
    period: Option<sigap::model::Period>,
    /// The raster band holding the counts (population only; default 1).
    #[arg(long)]
    band: Option<usize>,
    /// Config file with `[roads]` speeds (roads) or `[[programmes]]` (interventions);
    /// default: ./sigap.toml when present.
    #[arg(long)]
    config: Option<PathBuf>,
    kind: ImportKind,
    path: PathBuf,
}

/// Runs `sigap import`.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per kind of import, each refusing the flags that do not apply to it"
)]
pub fn run(args: ImportArgs) -> Result<()> {
    let ImportArgs {
        db,
        key,
        skip_invalid,
        rejects,
        replace,
        crs,
        layer,
        map,
        check,
        period,
        band,
        config,
        kind,
        path,
    } = args;
    // What only a vector layer import uses, and whether it was given.
    let vector_only = [
        ("--key", key.is_some()),
        ("--skip-invalid", skip_invalid),
        ("--rejects", rejects.is_some()),
        ("--layer", layer.is_some()),
        ("--map", !map.is_empty()),
        ("--period", period.is_some()),
    ];
    match kind {
        ImportKind::Layer(kind) => {
            if band.is_some() {
                bail!("--band is for population rasters only");
            }
            if period.is_some() && kind != LayerKind::Children {
                bail!("--period is for children only (households apply to every period)");
            }
            import(
                &db,
                key,
                kind,
                &path,
                &ImportOptions {
                    skip_invalid,
                    rejects_path: rejects,
                    replace,
                    crs,
                    layer,
                    map,
                    check,
                    period,
                    gate: sigap::ingest::Gate::default(),
                    identity: None,
                },
            )
        }
        ImportKind::Population => {
            refuse(&vector_only, "population rasters")?;
            let opts = PopulationOptions {
                crs,
                band: band.unwrap_or(1),
                check,
            };
            super::population::import_population(&db, &path, &opts)
        }
        ImportKind::Roads => {
            refuse(&vector_only, "roads")?;
            refuse(
                &[
                    ("--crs", crs.is_some()),
                    ("--band", band.is_some()),
                    ("--replace", replace),
                ],
                "roads (a new road import always replaces the network)",
            )?;
            super::roads::import_roads(&db, &path, config.as_deref(), check)
        }
        ImportKind::Interventions => {
            refuse(
                &[
                    ("--skip-invalid", skip_invalid),
                    ("--rejects", rejects.is_some()),
                    ("--layer", layer.is_some()),
                    ("--map", !map.is_empty()),
                    ("--period", period.is_some()),
                    ("--crs", crs.is_some()),
                    ("--band", band.is_some()),
                    ("--replace", replace),
                ],
                "interventions (the ledger only grows; a row already in it is counted, not doubled)",
            )?;
            import_interventions(&db, key, &path, config.as_deref(), check)
        }
        ImportKind::MeasureTargets => {
            let what = "measure-targets (a new file always replaces the targets)";
            refuse(&vector_only, what)?;
            refuse(
                &[
                    ("--crs", crs.is_some()),
                    ("--band", band.is_some()),
                    ("--replace", replace),
                    ("--config", config.is_some()),
                ],
                what,
            )?;
            import_measure_targets(&db, &path, check)
        }
    }
}

/// `sigap import measure-targets FILE`: children under five to measure per village,
/// replacing the previous targets, all or nothing.
fn import_measure_targets(db: &Db, path: &Path, check: bool) -> Result<()> {
    use sigap::ingest::measure_targets::{
        TargetsRead, import_measure_targets, read_measure_targets,
    };
    if let Db::File(file) = db
        && !file.exists()
    {
        bail!("no store at {}: import villages first", file.display());
    }
    let mut store = AnyStore::open(db)?;
    let failed = |e: &dyn std::fmt::Display| {
        eprintln!("{e}");
        anyhow::anyhow!(
            "import of {} failed; the store is unchanged",
            path.display()
        )
    };
    if check {
        let rows = read_measure_targets(path, &store.village_codes()?).map_err(|e| failed(&e))?;
        let read = TargetsRead::of(&rows);
        println!(
            "{}: {} targets for {} villages, every row good (nothing written: --check)",
            path.display(),
            read.rows,
            read.villages
        );
        return Ok(());
    }
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (read, revision) =
        import_measure_targets(&mut store, path, &file, None).map_err(|e| failed(&e))?;
    println!(
        "imported {} measurement targets from {} for {} villages ({} for one round; every \
         round: {:.0} children under five); the previous targets are replaced (store revision {})",
        read.rows,
        path.display(),
        read.villages,
        read.per_round,
        read.every_round,
        revision
    );
    Ok(())
}

/// `sigap import interventions FILE`: deliveries of the configured programmes, all or
/// nothing, into a store file or the PostgreSQL database (which needs `--key`).
fn import_interventions(
    db: &Db,
    key: Option<PathBuf>,
    path: &Path,
    config: Option<&Path>,
    check: bool,
) -> Result<()> {
    if let Db::File(file) = db
        && !file.exists()
    {
        bail!(
            "no store at {}: import villages, children and households first",
            file.display()
        );
    }
    let config = super::load_config(config)?;
    let programmes = config.programmes();
    // The ids are matched by pseudonym: without the store's key none could match.
    let key_file = layer_key_path(db, key)?;
    if !key_file.exists() {
        bail!(
            "no pseudonym key at {}: give the key the children and households were imported with (--key)",
            key_file.display()
        );
    }
    let key = PseudonymKey::load_or_create(&key_file)?;
    let mut store = super::open_store(db)?;
    let keys = sigap::ingest::interventions::StoreKeys::read(&mut store)?;
    let known = keys.known(&programmes, sigap::ingest::today());
    let rows = match sigap::ingest::interventions::read_interventions(path, &key, &known) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("{e}");
            bail!(
                "import of {} failed; the store is unchanged",
                path.display()
            );
        }
    };
    if check {
        println!(
            "{}: {} deliveries, every row good (nothing written: --check)",
            path.display(),
            rows.len()
        );
        return Ok(());
    }
    let written = store.write_deliveries(&rows)?;
    let mut per: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in &rows {
        *per.entry(d.programme.as_str()).or_default() += 1;
    }
    let per: Vec<String> = per.iter().map(|(p, n)| format!("{p} {n}")).collect();
    println!(
        "imported {} deliveries from {}: {} added, {} already in the ledger ({}; store revision {})",
        rows.len(),
        path.display(),
        written.added,
        written.present,
        per.join(", "),
        written.revision
    );
    Ok(())
}

/// Fails naming the first of `flags` that was given: it does not apply to `what`.
fn refuse(flags: &[(&str, bool)], what: &str) -> Result<()> {
    match flags.iter().find(|(_, given)| *given) {
        Some((flag, _)) => bail!("{flag} does not apply to {what}"),
        None => Ok(()),
    }
}

/// What `sigap import` reads: one of the vector layers, or a population raster.
#[derive(Clone, Copy)]
enum ImportKind {
    Layer(LayerKind),
    Population,
    Roads,
    Interventions,
    MeasureTargets,
}

impl clap::ValueEnum for ImportKind {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<ImportKind>> = LazyLock::new(|| {
            LayerKind::value_variants()
                .iter()
                .map(|k| ImportKind::Layer(*k))
                .chain([
                    ImportKind::Population,
                    ImportKind::Roads,
                    ImportKind::Interventions,
                    ImportKind::MeasureTargets,
                ])
                .collect()
        });
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            Self::Layer(kind) => kind.to_possible_value(),
            Self::Population => Some(
                clap::builder::PossibleValue::new("population")
                    .help("a raster of counts per pixel (GeoTIFF), summed into cells and villages"),
            ),
            Self::Roads => Some(clap::builder::PossibleValue::new("roads").help(
                "an OpenStreetMap extract (.osm.pbf): the road network for travel times and routes",
            )),
            Self::Interventions => Some(clap::builder::PossibleValue::new("interventions").help(
                "deliveries of the programmes in sigap.toml (.csv, .xlsx, .ods): the intervention ledger",
            )),
            Self::MeasureTargets => Some(clap::builder::PossibleValue::new("measure-targets").help(
                "children under five to measure per village (.csv, .xlsx, .ods: kode_desa, sasaran, \
                 optional periode), replacing the population raster as the target",
            )),
        }
    }
}

/// Parses `FIELD=COLUMN` for `--map`.
fn parse_mapping(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, c)) if !f.trim().is_empty() && !c.trim().is_empty() => {
            Ok((f.trim().to_ascii_lowercase(), c.trim().to_owned()))
        }
        _ => Err(format!("expected FIELD=COLUMN, e.g. lat=LINTANG, not {s}")),
    }
}

pub(crate) fn key_path(db: &Path, key: Option<PathBuf>) -> PathBuf {
    key.unwrap_or_else(|| {
        let mut p = db.as_os_str().to_owned();
        p.push(".key");
        PathBuf::from(p)
    })
}

/// The pseudonym key file of an import into `db`: `--key`, or beside a store file.
/// A PostgreSQL store needs `--key`: the key must never be in the shared database,
/// and every machine that imports must use the same one.
pub(super) fn layer_key_path(db: &Db, key: Option<PathBuf>) -> Result<PathBuf> {
    match (db, key) {
        (Db::File(file), key) => Ok(key_path(file, key)),
        (Db::Postgres(_), Some(key)) => Ok(key),
        (Db::Postgres(_), None) => bail!(
            "the PostgreSQL database {db} needs --key FILE for imports (over HTTP \
             too): the pseudonym key is kept outside the database, and every machine \
             that imports into it must use the same key file"
        ),
    }
}

fn import(
    db: &Db,
    key: Option<PathBuf>,
    kind: LayerKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<()> {
    if opts.check {
        return check(db, key, kind, path, opts);
    }
    let key_file = layer_key_path(db, key)?;
    let key = PseudonymKey::load_or_create(&key_file)?;
    // Names and addresses are sealed with the identity key beside the pseudonym key.
    let opts = &ImportOptions {
        identity: Some(IdentityKey::load_or_create(&IdentityKey::path_beside(
            &key_file,
        ))?),
        ..opts.clone()
    };
    let imported = sigap::ingest::import_file(&mut AnyStore::open(db)?, kind, path, &key, opts);
    match imported {
        Ok(s) => {
            println!(
                "imported {} {} from {}: {} written, {} rejected{}",
                s.read,
                s.kind,
                s.path.display(),
                s.written,
                s.rejected,
                s.rejects_file
                    .as_ref()
                    .map(|f| format!(" (see {})", f.display()))
                    .unwrap_or_default()
            );
            print_notes(&s);
            Ok(())
        }
        Err(e) => {
            eprintln!("{e}");
            bail!(
                "import of {} failed; the store is unchanged",
                path.display()
            )
        }
    }
}

/// `import --check`: validates like an import, prints the column mapping and every
/// problem, and fails if any record would be rejected. Creates neither the store nor
/// the key: a missing store is read as empty, a missing key replaced by a throwaway
/// one (no stored pseudonym could match it anyway).
fn check(
    db: &Db,
    key: Option<PathBuf>,
    kind: LayerKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<()> {
    let key_file = layer_key_path(db, key)?;
    let key = if key_file.exists() {
        PseudonymKey::load_or_create(&key_file)?
    } else {
        PseudonymKey::from_bytes([0; 32])
    };
    // A missing store file is read as an empty one, not created.
    let mut store = match db {
        Db::File(file) if !file.exists() => AnyStore::File(Store::open_in_memory()?),
        db => AnyStore::open(db)?,
    };
    let checked = sigap::ingest::import_file(&mut store, kind, path, &key, opts);
    let s = match checked {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            bail!("check of {} failed; nothing was written", path.display())
        }
    };
    println!(
        "check of {} from {}: {} read, {} valid, {} rejected; nothing written",
        s.kind,
        s.path.display(),
        s.read,
        s.read - s.rejected,
        s.rejected
    );
    if let Some(columns) = &s.columns {
        print!("{columns}");
    }
    for problem in &s.problems {
        println!("{problem}");
    }
    print_notes(&s);
    if s.rejected > 0 {
        bail!("{} records would be rejected", s.rejected);
    }
    Ok(())
}

/// Prints what the import changed or noticed beyond the counts: children placed by
/// village, boundaries repaired, overlaps and gaps between villages.
fn print_notes(s: &sigap::ingest::ImportSummary) {
    let n = &s.notes;
    if !n.periods.is_empty() {
        let found: Vec<String> = n
            .periods
            .iter()
            .map(|(p, count)| format!("{p}: {count}"))
            .collect();
        // A round that ran into the next month shows up here as two periods: re-run
        // with --period to put it in one.
        println!(
            "children per period: {} (set --period YYYY-MM if a round spans months)",
            found.join(", ")
        );
    }
    if n.identities > 0 {
        println!(
            "{} records' names and addresses sealed with the identity key (back it up with \
             the pseudonym key)",
            n.identities
        );
    }
    if n.placed_by_village > 0 {
        println!(
            "{} children had no coordinates and were placed at their village",
            n.placed_by_village
        );
    }
    if n.village_mismatches > 0 {
        println!(
            "{} children have coordinates outside the village their village_code names \
             (kept where measured)",
            n.village_mismatches
        );
    }
    if n.haz_disagreements > 0 {
        let lines: Vec<String> = n
            .haz_disagreement_lines
            .iter()
            .map(u64::to_string)
            .collect();
        println!(
            "{} children have a haz that differs by more than {} from the WHO z-score \
             computed from sex, dates and height (kept as supplied; first: {})",
            n.haz_disagreements,
            sigap::ingest::zscores::HAZ_TOLERANCE,
            lines.join(", ")
        );
    }
    if n.haz_computed > 0 {
        println!(
            "{} children had no haz: computed from sex, age and height (WHO 2006)",
            n.haz_computed
        );
        let unused = s.columns.as_ref().map_or(&[][..], |c| c.ignored.as_slice());
        if !unused.is_empty() {
            println!(
                "columns not used: {}; if one holds the haz, pass --map haz=COLUMN",
                unused.join(", ")
            );
        }
    }
    if n.haz_flagged > 0 {
        let lines: Vec<String> = n.haz_flagged_lines.iter().map(u64::to_string).collect();
        println!(
            "{} children have an implausible haz (WHO flag, beyond ±{}): stored, but left \
             out of every rate until corrected (first: {})",
            n.haz_flagged,
            sigap::model::HAZ_FLAG,
            lines.join(", ")
        );
    }
    if n.family_unknown > 0 {
        println!(
            "{} households lack a family field (target groups catin/bumil/bufas/baduta/\
             balita or sasaran, unfit_housing, four_t): not counted as keluarga berisiko \
             stunting on what is unknown",
            n.family_unknown
        );
    }
    if !n.repairs.is_empty() {
        println!("{} village boundaries repaired:", n.repairs.len());
        for (code, what) in &n.repairs {
            println!("  {code}: {what}");
        }
    }
    if let Some(t) = &s.topology {
        for overlap in &t.overlaps {
            println!("{overlap}");
        }
        for gap in &t.gaps {
            println!("{gap}");
        }
        if t.is_clean() {
            println!("villages: no overlaps or gaps between them");
        }
    }
}

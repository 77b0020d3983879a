//! `sigap targets`: the priority villages (lokus) of a store, ranked by risk, with
//! their reasons and how stable the ranking is when the weights move by ±20%.
//!
//! The same list as `GET /api/targets` (see [`sigap::risk::targets`]), printed as a
//! table or written as CSV, XLSX or GeoJSON.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use sigap::analysis::Analysis;
use sigap::export::{About, Columns, Format, export};
use sigap::http::routes::targets::{attach_gaps, target_areas};
use sigap::model::Period;
use sigap::risk::coverage;
use sigap::risk::targets::{DEFAULT_TOP, Targets};
use sigap::risk::weights::{apply, parse_pair};
use sigap::store::Db;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Xlsx,
    Geojson,
}

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// The store: a GeoPackage file or a postgres:// database.
    #[arg(long)]
    db: Db,
    /// How many villages.
    #[arg(long, default_value_t = DEFAULT_TOP)]
    top: usize,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Where to write (stdout without it; required for xlsx).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Config file (default: ./sigap.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// What-if weight, e.g. `--weight latrine=0.4` (repeatable).
    #[arg(long = "weight", value_name = "FACTOR=W")]
    weights: Vec<String>,
    /// Measurement period YYYY-MM (default: the latest).
    #[arg(long)]
    period: Option<Period>,
    /// Column names of the files: `id` (Bahasa Indonesia, rounded; default), `en`
    /// (English, rounded) or `key` (the API's keys, every digit).
    #[arg(long, default_value = "id", value_parser = parse_columns)]
    columns: Columns,
}

fn parse_columns(s: &str) -> Result<Columns, String> {
    Columns::parse(s).ok_or_else(|| format!("columns must be id, en or key, not {s}"))
}

pub fn run(args: &TargetsArgs) -> Result<()> {
    let config = super::load_config(args.config.as_deref())?;
    if args.top == 0 {
        bail!("--top must be at least 1");
    }
    let pairs = args
        .weights
        .iter()
        .map(|w| parse_pair(w))
        .collect::<Result<Vec<_>, _>>()?;
    let weights = apply(
        &config.weights,
        pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    )?;
    let (revision, data) = super::open_store(&args.db)?.load_revision()?;
    let period = args.period.or_else(|| data.latest_period());
    let analysis = match period {
        Some(p) => Analysis::compute(&data.of_period(p), &config),
        None => Analysis::compute(&data, &config),
    };
    // The reasons name what the programmes left unreached, as the API's do.
    let cases = sigap::index::cases::Cases::build(&data);
    let codes: Vec<&str> = analysis
        .villages
        .iter()
        .map(|v| v.village.code.as_str())
        .collect();
    let programmes = config.programmes();
    let cov = coverage::of_cases(&programmes, &data.deliveries, &cases, period, &codes);
    let gaps = coverage::gap_phrases(&programmes, &cov);
    let (mut areas, boundaries) = target_areas(&analysis);
    attach_gaps(&mut areas, &gaps);
    let t = Targets::new(&areas, &weights, args.top);
    let about = About {
        city: config.city.name.clone(),
        period,
        revision,
        weights,
        configured_weights: weights == config.weights,
        normalisation: format!("{:?}", config.normalisation.method).to_lowercase(),
        made: About::now(),
    };
    let file = |f| export(&t, f, &boundaries, &about, args.columns);
    let bytes = match args.format {
        OutputFormat::Table => table(&t).into_bytes(),
        OutputFormat::Csv => file(Format::Csv)?,
        OutputFormat::Xlsx => file(Format::Xlsx)?,
        OutputFormat::Geojson => file(Format::GeoJson)?,
    };
    match &args.out {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display())),
        None if args.format == OutputFormat::Xlsx => bail!("--format xlsx needs -o FILE"),
        None => Ok(std::io::stdout().write_all(&bytes)?),
    }
}

fn table(t: &Targets<'_>) -> String {
    let mut s = format!(
        "{:>4}  {:<12} {:<22} {:>6}  {:>9}  {:>6}  alasan\n",
        "rank", "kode", "desa/kelurahan", "skor", "rank ±20%", "top N"
    );
    for x in &t.list {
        let a = &t.areas[x.index];
        let r = &x.stability;
        let _ = writeln!(
            s,
            "{:>4}  {:<12} {:<22} {:>6.3}  {:>9}  {:>5.0}%  {}",
            x.rank,
            a.code,
            a.name,
            x.risk.score,
            format!("{}–{}", r.min_rank, r.max_rank),
            r.top_share * 100.0,
            x.reason
        );
    }
    let always: Vec<&str> = t
        .stability
        .always_top()
        .iter()
        .map(|&i| t.areas[i].name)
        .collect();
    let _ = writeln!(
        s,
        "\n{} skenario bobot (±20%): {} dari {} desa selalu di {} teratas: {}",
        t.stability.scenarios,
        always.len(),
        t.list.len(),
        t.top,
        always.join(", ")
    );
    if !t.stability.entrants.is_empty() {
        let e: Vec<String> = t
            .stability
            .entrants
            .iter()
            .map(|(i, share)| format!("{} ({:.0}%)", t.areas[*i].name, share * 100.0))
            .collect();
        let _ = writeln!(s, "kadang masuk: {}", e.join(", "));
    }
    s
}

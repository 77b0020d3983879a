//! `sigap assign`: share the stunted children among teams, exact counts, compact
//! areas (the use case is `sigap::teams::share`), written as the teams' assignments
//! (the field officers' scope).

use anyhow::{Result, bail};
use sigap::model::Period;
use sigap::roads::Mode;
use sigap::store::Db;
use sigap::teams::read_teams;
use sigap::teams::share::share;
use std::path::PathBuf;

/// Share the stunted children among teams (OPDs or TPK): exact shares, compact areas.
#[derive(clap::Args)]
pub struct AssignArgs {
    /// The store: a GeoPackage file or a postgres:// database.
    #[arg(long)]
    db: Db,
    /// Teams CSV: team (or tim, opd), share (or bobot, proporsi) or capacity
    /// (kapasitas), optionally the office's lat and lon.
    #[arg(long)]
    teams: PathBuf,
    /// The weighing round whose stunted children are shared (default: the latest).
    #[arg(long)]
    period: Option<Period>,
    /// Share every child anew instead of keeping the teams children already have.
    #[arg(long)]
    reassign: bool,
    /// Travel mode of the distances (over the roads when the store has them).
    #[arg(long, value_enum, default_value_t = Mode::Motorbike)]
    mode: Mode,
    /// Print the plan without writing it.
    #[arg(long)]
    dry_run: bool,
    /// Config file with `[roads]` speeds (default: ./sigap.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: &AssignArgs) -> Result<()> {
    let teams = read_teams(&args.teams)?;
    let config = super::load_config(args.config.as_deref())?;
    let mut store = super::open_store(&args.db)?;
    let (_, data) = store.load_revision()?;
    let Some(period) = args.period.or_else(|| data.latest_period()) else {
        bail!("the store holds no children");
    };
    let roads = sigap::analysis::road_graphs(&data, &config);
    let children = data
        .children
        .iter()
        .filter(|c| c.period == period)
        .map(|c| (c, data.assignments.get(&c.id).map(String::as_str)));
    let sharing = share(
        children,
        Some(period),
        teams,
        args.reassign,
        roads.as_deref(),
        args.mode,
    )?;
    let (n, kept, plan) = (sharing.children.len(), sharing.kept(), &sharing.plan);
    let unit = if plan.by_road { "min" } else { "km" };
    println!(
        "{n} stunted children of {period} shared among {} teams ({kept} kept their team, {} placed; {} rounds; distances {} from each team's centre{}):",
        sharing.teams.len(),
        n - kept,
        plan.rounds,
        if plan.by_road {
            "over the roads"
        } else {
            "in a straight line"
        },
        if plan.by_road {
            format!(", by {}", args.mode)
        } else {
            String::new()
        },
    );
    println!(
        "{:<28} {:>6} {:>6} {:>8} {:>8}",
        "team",
        "target",
        "given",
        format!("median {unit}"),
        format!("max {unit}")
    );
    for t in sharing.summary() {
        println!(
            "{:<28} {:>6} {:>6} {:>8.1} {:>8.1}",
            t.team, t.target, t.given, t.median, t.max
        );
    }
    if args.dry_run {
        println!("nothing written (--dry-run)");
        return Ok(());
    }
    let rows = sharing.assignments();
    let revision = store.write_shared(&rows, &sharing.team_names(), args.reassign)?;
    println!(
        "{} assignments written (store revision {revision})",
        rows.len()
    );
    Ok(())
}

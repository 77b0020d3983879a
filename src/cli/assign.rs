//! `sigap assign`: share the stunted children among teams, exact counts, compact
//! areas (see `sigap::teams`), written as the teams' assignments (the field
//! officers' scope).

use anyhow::{Result, bail};
use sigap::model::Period;
use sigap::roads::Mode;
use sigap::store::Store;
use sigap::teams::{Member, assign, read_teams};
use std::collections::HashMap;
use std::path::PathBuf;

/// Share the stunted children among teams (OPDs or TPK): exact shares, compact areas.
#[derive(clap::Args)]
pub struct AssignArgs {
    #[arg(long)]
    db: PathBuf,
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
    if !args.db.exists() {
        bail!("no store at {}", args.db.display());
    }
    let teams = read_teams(&args.teams)?;
    let config = super::load_config(args.config.as_deref())?;
    let mut store = Store::open(&args.db)?;
    let data = store.load()?;
    let Some(period) = args.period.or_else(|| data.latest_period()) else {
        bail!("the store holds no children");
    };
    let existing = if args.reassign {
        HashMap::new()
    } else {
        store.assignments()?
    };
    let index: HashMap<&str, usize> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let children: Vec<_> = data
        .children
        .iter()
        .filter(|c| c.period == period && c.is_stunted() && !c.is_flagged())
        .collect();
    if children.is_empty() {
        bail!("no stunted child in period {period}");
    }
    let members: Vec<Member> = children
        .iter()
        .map(|c| Member {
            lonlat: [c.location.x(), c.location.y()],
            kept: existing
                .get(&c.id)
                .and_then(|t| index.get(t.as_str()).copied()),
        })
        .collect();
    let kept = members.iter().filter(|m| m.kept.is_some()).count();
    let roads = sigap::analysis::road_graphs(&data, &config);
    let plan = assign(&members, &teams, roads.as_deref(), args.mode)?;

    let unit = if plan.by_road { "min" } else { "km" };
    println!(
        "{} stunted children of {period} shared among {} teams ({kept} kept their team, {} placed; {} rounds; distances {} from each team's centre{}):",
        children.len(),
        teams.len(),
        children.len() - kept,
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
    for t in plan.summary(&teams, &members) {
        println!(
            "{:<28} {:>6} {:>6} {:>8.1} {:>8.1}",
            t.team, t.target, t.given, t.median, t.max
        );
    }
    if args.dry_run {
        println!("nothing written (--dry-run)");
        return Ok(());
    }
    let rows: Vec<(String, String)> = children
        .iter()
        .zip(&plan.team_of)
        .map(|(c, j)| (c.id.clone(), teams[*j].name.clone()))
        .collect();
    // Every team of the file becomes a known team, even one given no child.
    for t in &teams {
        store.add_team(&t.name)?;
    }
    let revision = store.write_assignments(&rows, args.reassign)?;
    println!(
        "{} assignments written (store revision {revision})",
        rows.len()
    );
    Ok(())
}

//! `sigap route` (a team's day) and the hidden `sigap tour` (order stops on a given
//! matrix, for comparisons with other solvers).

use anyhow::{Context, Result, bail};
use sigap::model::Period;
use sigap::roads::Mode;
use sigap::routes::day::{DayError, DayRequest, team_day};
use sigap::routes::{SavedDay, export, tour};
use sigap::store::Db;
use std::fmt::Write;
use std::path::PathBuf;

/// A team's visits for a day: most urgent first, ordered over the roads.
#[derive(clap::Args)]
pub struct RouteArgs {
    /// The store: a GeoPackage file or a postgres:// database.
    #[arg(long)]
    db: Db,
    /// The team (OPD or TPK) as in the assignments.
    #[arg(long)]
    team: String,
    /// The round whose stunted children are visited (default: the latest).
    #[arg(long)]
    period: Option<Period>,
    /// Start as LAT,LON (default: the puskesmas nearest the team's children).
    #[arg(long, value_parser = sigap::roads::parse_latlon, allow_hyphen_values = true)]
    start: Option<[f64; 2]>,
    /// End as LAT,LON (default: the start).
    #[arg(long, value_parser = sigap::roads::parse_latlon, allow_hyphen_values = true)]
    end: Option<[f64; 2]>,
    /// Most visits in the day.
    #[arg(long, default_value_t = 10)]
    max_visits: usize,
    /// Working hours, HH:MM-HH:MM.
    #[arg(long, default_value = "08:00-14:00")]
    hours: String,
    /// Minutes at each home.
    #[arg(long, default_value_t = 20.0)]
    service_min: f64,
    #[arg(long, value_enum, default_value_t = Mode::Motorbike)]
    mode: Mode,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Config file with `[roads]` speeds (default: ./sigap.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Geojson,
    Gpx,
}

pub fn route(args: &RouteArgs) -> Result<()> {
    let roads_cfg = super::load_config(args.config.as_deref())?;
    let mut store = super::open_store(&args.db)?;
    let (_, data) = store.load_revision()?;
    let visits = store.visits()?;
    let roads = sigap::analysis::road_graphs(&data, &roads_cfg)
        .ok_or(sigap::roads::RoadsError::NotImported)?;
    let period = args
        .period
        .or_else(|| data.latest_period())
        .context("the store holds no children")?;
    let request = DayRequest {
        team: args.team.clone(),
        villages: Vec::new(),
        period: Some(period),
        day: None,
        start: args.start,
        end: args.end,
        max_visits: args.max_visits,
        hours: args.hours.clone(),
        service_minutes: args.service_min,
        mode: args.mode,
    };
    // Every child with its team, as the core hands them to `team_day` (the server
    // reads the same from its case records, located in villages).
    let children = sigap::field::assigned_children(&data);
    let day = match team_day(children, &visits, &data.facilities, &roads, &request) {
        Ok(day) => day,
        Err(DayError::Hours(e)) => bail!("--hours: {e}"),
        Err(DayError::NoBase) => bail!("no puskesmas to start from; give --start"),
        Err(e @ DayError::NoRoad) => bail!("{e} ({})", args.mode),
    };
    if day.candidates_then == 0 {
        let teams: std::collections::BTreeSet<&String> = data.assignments.values().collect();
        bail!(
            "team `{}` has no stunted child to visit in {period}; teams: {}",
            args.team,
            teams
                .into_iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let text = render(args, period, &day)?;
    match &args.out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}

/// The day in the format asked for.
fn render(args: &RouteArgs, period: Period, day: &SavedDay) -> Result<String> {
    let (plan, chosen) = (&day.plan, &day.candidates);
    Ok(match args.format {
        Format::Json => serde_json::to_string_pretty(&serde_json::json!({
            "team": args.team, "period": period, "plan": plan,
            // The chosen children: each stop's `candidate` indexes this list.
            "candidates": chosen,
        }))?,
        Format::Geojson => {
            serde_json::to_string(&export::geojson(plan, chosen, &export::Visitees::new()))?
        }
        Format::Gpx => export::gpx(
            plan,
            chosen,
            &format!("{} {period}", args.team),
            &export::Visitees::new(),
        ),
        Format::Table => {
            let mut s = format!(
                "{}: {} of {} children visited, {:.0} min on the road ({:.1} km), {:.0} min at homes, back after {:.0} min\n",
                args.team,
                plan.stops.len(),
                day.candidates_then,
                plan.travel_min,
                plan.travel_m / 1000.0,
                plan.service_min,
                plan.total_min
            );
            for (i, st) in plan.stops.iter().enumerate() {
                let c = &chosen[st.candidate];
                let _ = writeln!(
                    s,
                    "{:>2}. {}  HAZ {:>5.2}  urgency {:>3}  arrive +{:>3.0} min  ({:.0} min ride)",
                    i + 1,
                    &c.key[..8.min(c.key.len())],
                    c.haz,
                    st.urgency_rank,
                    st.arrive_min,
                    st.travel_min
                );
            }
            s
        }
    })
}

/// `{ "matrix": [[secs]], "start": i, "end": j, "stops": [k, ...] }` on stdin; prints
/// `{ "order": [...], "secs": total }`.
pub fn tour_stdin() -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Input {
        matrix: Vec<Vec<f64>>,
        start: usize,
        end: usize,
        stops: Vec<usize>,
    }
    let input: Input = serde_json::from_reader(std::io::stdin().lock())
        .context("reading the instance (JSON) from stdin")?;
    let n = input.matrix.len();
    if input.matrix.iter().any(|r| r.len() != n)
        || input.start >= n
        || input.end >= n
        || input.stops.iter().any(|s| *s >= n)
    {
        bail!("the matrix must be square and every index inside it");
    }
    let started = std::time::Instant::now();
    let order = tour::order(&input.matrix, input.start, input.end, &input.stops);
    let secs = tour::cost(&input.matrix, input.start, input.end, &order);
    println!(
        "{}",
        serde_json::json!({ "order": order, "secs": secs, "solve_ms": started.elapsed().as_secs_f64() * 1000.0 })
    );
    Ok(())
}

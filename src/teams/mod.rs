//! Sharing children among field teams (OPDs or TPK teams): exact shares, compact
//! areas.
//!
//! Kendari divided 462 stunted children proportionally among 13 OPDs; each OPD then
//! visits its children at home, so a team's children should lie close together. This
//! module does both:
//! - **Exact counts.** Shares become whole counts by the largest remainder (Hamilton)
//!   method: each team gets the whole part of `n × share / Σ shares`, and the children
//!   left over go one each to the largest fractional parts (ties: larger share, then
//!   file order). Teams given a `capacity` instead take at most that many.
//! - **Compact areas.** A capacitated clustering: each team has a centre (its office
//!   when the teams file gives one, else a child's home); children are assigned to
//!   centres by an exact minimum-cost transportation ([`flow::transport`]) whose cost
//!   is the travel time from the centre over the roads (straight-line metres without a
//!   road network), then each centre without an office moves to the member home with
//!   the least total distance to the other members, until nothing moves (at most
//!   [`MAX_ROUNDS`] rounds).
//! - **Keeping what exists.** Children already assigned to a team named in the file
//!   keep it unless asked to start over; only the others are placed, into what each
//!   team's count has left.

pub mod flow;
pub mod registry;
pub mod share;

use crate::roads::{Mode, Roads};
use std::path::{Path, PathBuf};

/// Rounds of assign-then-move-centres at most.
pub const MAX_ROUNDS: usize = 20;

/// One team of the teams file.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub name: String,
    /// Relative share of the children (e.g. staff numbers); with `capacity` absent.
    pub share: Option<f64>,
    /// Most children the team can take.
    pub capacity: Option<usize>,
    /// `[lon, lat]` of its office, where its trips start (optional).
    pub base: Option<[f64; 2]>,
}

/// Why teams could not be read or children not shared.
#[derive(Debug, thiserror::Error)]
pub enum TeamsError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file's columns are unusable (no team column, no share or capacity).
    #[error("{}: {reason}", path.display())]
    Format { path: PathBuf, reason: String },
    /// One row is wrong; nothing was assigned.
    #[error("{}:{line}: field {field}: {reason}", path.display())]
    Row {
        path: PathBuf,
        line: u64,
        field: &'static str,
        reason: String,
    },
    /// The counts cannot be met, e.g. capacities below the number of children.
    #[error("{0}")]
    Infeasible(String),
}

const TEAM_COLUMNS: [&str; 3] = ["team", "tim", "opd"];
const SHARE_COLUMNS: [&str; 3] = ["share", "bobot", "proporsi"];
const CAPACITY_COLUMNS: [&str; 2] = ["capacity", "kapasitas"];

/// Reads a teams CSV: a team column (`team`, `tim`, `opd`), and either a share column
/// (`share`, `bobot`, `proporsi`) or a capacity column (`capacity`, `kapasitas`), and
/// optionally the office as `lat` and `lon`. Every bad row is named.
pub fn read_teams(path: &Path) -> Result<Vec<Team>, TeamsError> {
    let text = std::fs::read_to_string(path).map_err(|source| TeamsError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_teams(&text, path)
}

/// [`read_teams`] of text already read; `path` names it in messages.
pub fn parse_teams(text: &str, path: &Path) -> Result<Vec<Team>, TeamsError> {
    let format = |reason: String| TeamsError::Format {
        path: path.to_owned(),
        reason,
    };
    let (mut rdr, header) =
        crate::ingest::small_csv(text.as_bytes()).map_err(|e| format(e.to_string()))?;
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let team_col = find(&TEAM_COLUMNS).ok_or_else(|| {
        format(format!(
            "no team column; name one of: {}",
            TEAM_COLUMNS.join(", ")
        ))
    })?;
    let share_col = find(&SHARE_COLUMNS);
    let cap_col = find(&CAPACITY_COLUMNS);
    if share_col.is_some() == cap_col.is_some() {
        return Err(format(format!(
            "give either a share column ({}) or a capacity column ({}), not {}",
            SHARE_COLUMNS.join(", "),
            CAPACITY_COLUMNS.join(", "),
            if share_col.is_some() {
                "both"
            } else {
                "neither"
            }
        )));
    }
    let cols = Columns {
        team: team_col,
        share: share_col,
        capacity: cap_col,
        lat: find(&["lat", "latitude"]),
        lon: find(&["lon", "lng", "longitude"]),
    };
    let mut teams: Vec<Team> = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let bad = |field: &'static str, reason: String| TeamsError::Row {
            path: path.to_owned(),
            line,
            field,
            reason,
        };
        let row = row.map_err(|e| bad("row", e.to_string()))?;
        let team = team_row(&row, &cols).map_err(|(field, reason)| bad(field, reason))?;
        if teams.iter().any(|t| t.name == team.name) {
            return Err(bad("team", format!("team `{}` is listed twice", team.name)));
        }
        teams.push(team);
    }
    if teams.is_empty() {
        return Err(format("no team listed".into()));
    }
    Ok(teams)
}

/// Where the teams file's fields are.
struct Columns {
    team: usize,
    share: Option<usize>,
    capacity: Option<usize>,
    lat: Option<usize>,
    lon: Option<usize>,
}

/// One row of the teams file, or the field and reason it is wrong.
fn team_row(row: &csv::StringRecord, cols: &Columns) -> Result<Team, (&'static str, String)> {
    let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map_or("", str::trim);
    let name = get(Some(cols.team)).to_owned();
    if name.is_empty() {
        return Err(("team", "empty team name".into()));
    }
    let share = match cols.share {
        Some(_) => {
            let v = get(cols.share).replace(',', ".");
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Some(x),
                _ => return Err(("share", format!("`{v}` is not a number above 0"))),
            }
        }
        None => None,
    };
    let capacity = match cols.capacity {
        Some(_) => Some(get(cols.capacity).parse::<usize>().map_err(|_| {
            (
                "capacity",
                format!("`{}` is not a whole number", get(cols.capacity)),
            )
        })?),
        None => None,
    };
    let degrees = |field: &'static str, text: &str, limit: f64| {
        text.replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|x| x.abs() <= limit)
            .ok_or((field, format!("`{text}` is not a {field} in degrees")))
    };
    let base = match (get(cols.lat), get(cols.lon)) {
        ("", "") => None,
        (lat, lon) => Some([degrees("lon", lon, 180.0)?, degrees("lat", lat, 90.0)?]),
    };
    Ok(Team {
        name,
        share,
        capacity,
        base,
    })
}

/// Whole counts for `n` children from `shares` (largest remainder; see the module
/// doc). They add up to `n` exactly.
#[must_use]
pub fn apportion(n: usize, shares: &[f64]) -> Vec<usize> {
    let total: f64 = shares.iter().sum();
    if shares.is_empty() || total <= 0.0 {
        return vec![0; shares.len()];
    }
    let quotas: Vec<f64> = shares.iter().map(|s| n as f64 * s / total).collect();
    let mut counts: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let left = n - counts.iter().sum::<usize>().min(n);
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quotas[a] - quotas[a].floor(), quotas[b] - quotas[b].floor());
        rb.total_cmp(&ra)
            .then(shares[b].total_cmp(&shares[a]))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(left) {
        counts[i] += 1;
    }
    counts
}

/// A child to place: where they live and the team they already have (an index into
/// the teams), if any.
#[derive(Debug, Clone)]
pub struct Member {
    pub lonlat: [f64; 2],
    pub kept: Option<usize>,
}

/// The result of [`assign`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// The team of every child, in the order given.
    pub team_of: Vec<usize>,
    /// Each team's count target (shares) or capacity.
    pub targets: Vec<usize>,
    /// Travel from the team's centre to each child (seconds over the roads, or
    /// straight-line metres without them).
    pub cost: Vec<f64>,
    /// Whether `cost` is seconds over the roads.
    pub by_road: bool,
    pub rounds: usize,
}

/// One team's line of a plan's summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamSummary {
    pub team: String,
    /// Count target (shares) or capacity.
    pub target: usize,
    pub given: usize,
    /// Of `given`, children who kept the team they had.
    pub kept: usize,
    /// Median and longest travel from the team's centre: minutes over the roads, or
    /// straight-line km without them.
    pub median: f64,
    pub max: f64,
}

impl Plan {
    /// Per team: target, given, kept, median and longest travel from its centre.
    #[must_use]
    pub fn summary(&self, teams: &[Team], members: &[Member]) -> Vec<TeamSummary> {
        let scale = if self.by_road { 60.0 } else { 1000.0 };
        teams
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let mut costs: Vec<f64> = (0..self.team_of.len())
                    .filter(|&i| self.team_of[i] == j)
                    .map(|i| self.cost[i] / scale)
                    .collect();
                costs.sort_by(f64::total_cmp);
                TeamSummary {
                    team: t.name.clone(),
                    target: self.targets[j],
                    given: costs.len(),
                    kept: members.iter().filter(|m| m.kept == Some(j)).count(),
                    median: costs.get(costs.len() / 2).copied().unwrap_or(0.0),
                    max: costs.last().copied().unwrap_or(0.0),
                }
            })
            .collect()
    }
}

/// Metres in a local equirectangular frame (enough for choosing and comparing).
fn local_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let mx = 111_320.0 * f64::midpoint(a[1], b[1]).to_radians().cos();
    ((a[0] - b[0]) * mx).hypot((a[1] - b[1]) * 110_574.0)
}

/// Places every child without a kept team; see the module doc.
pub fn assign(
    members: &[Member],
    teams: &[Team],
    roads: Option<&Roads>,
    mode: Mode,
) -> Result<Plan, TeamsError> {
    let n = members.len();
    let k = teams.len();
    let targets: Vec<usize> = if teams.iter().all(|t| t.share.is_some()) {
        let shares: Vec<f64> = teams.iter().map(|t| t.share.unwrap_or(0.0)).collect();
        apportion(n, &shares)
    } else {
        teams.iter().map(|t| t.capacity.unwrap_or(0)).collect()
    };
    if targets.iter().sum::<usize>() < n {
        return Err(TeamsError::Infeasible(format!(
            "the teams' capacities add up to {}, fewer than the {n} children",
            targets.iter().sum::<usize>()
        )));
    }
    let mut kept = vec![0usize; k];
    for m in members {
        if let Some(j) = m.kept {
            kept[j] += 1;
        }
    }
    let mut room = Vec::with_capacity(k);
    for j in 0..k {
        let Some(r) = targets[j].checked_sub(kept[j]) else {
            return Err(TeamsError::Infeasible(format!(
                "team `{}` already has {} children, more than its {} of {n}; run again with --reassign to share all children anew",
                teams[j].name, kept[j], targets[j]
            )));
        };
        room.push(r);
    }
    let free: Vec<usize> = (0..n).filter(|&i| members[i].kept.is_none()).collect();
    let snaps: Vec<_> = roads.map_or_else(Vec::new, |r| {
        members.iter().map(|m| r.snap(mode, m.lonlat)).collect()
    });
    let by_road = roads.is_some() && snaps.iter().all(Option::is_some);

    let mut team_of: Vec<usize> = members
        .iter()
        .map(|m| m.kept.unwrap_or(usize::MAX))
        .collect();
    let mut centres = initial_centres(members, teams, &team_of);
    let mut cost = vec![0.0; n];
    let mut rounds = 0;
    while rounds < MAX_ROUNDS {
        rounds += 1;
        let costs: Vec<Vec<f64>> = centres
            .iter()
            .map(|c| {
                let reach =
                    c.and_then(|c| roads.filter(|_| by_road).and_then(|r| r.reach(mode, c)));
                (0..n)
                    .map(|i| match (&reach, c) {
                        (Some(reach), _) => {
                            snaps[i].as_ref().map_or(f64::INFINITY, |s| reach.to(s))
                        }
                        (None, Some(c)) => local_m(*c, members[i].lonlat),
                        (None, None) => 0.0,
                    })
                    .map(|x| if x.is_finite() { x } else { 1e12 })
                    .collect()
            })
            .collect();
        let free_costs: Vec<Vec<f64>> = costs
            .iter()
            .map(|row| free.iter().map(|&i| row[i]).collect())
            .collect();
        let placed = flow::transport(&free_costs, &room).ok_or_else(|| {
            TeamsError::Infeasible(
                "the teams have too little room left for the new children".into(),
            )
        })?;
        for (&i, &j) in free.iter().zip(&placed) {
            team_of[i] = j;
        }
        for i in 0..n {
            cost[i] = costs[team_of[i]][i];
        }
        let moved = medoids(members, teams, &team_of, k);
        if moved == centres {
            break;
        }
        centres = moved;
    }
    Ok(Plan {
        team_of,
        targets,
        cost,
        by_road,
        rounds,
    })
}

/// Offices where given; else the medoid of kept members; else spread out over the
/// children by farthest-point seeding (deterministic).
fn initial_centres(members: &[Member], teams: &[Team], team_of: &[usize]) -> Vec<Option<[f64; 2]>> {
    let k = teams.len();
    let mut centres = medoids(members, teams, team_of, k);
    let mut chosen: Vec<[f64; 2]> = centres.iter().flatten().copied().collect();
    if members.is_empty() {
        return centres;
    }
    let n = members.len() as f64;
    let mean = [
        members.iter().map(|m| m.lonlat[0]).sum::<f64>() / n,
        members.iter().map(|m| m.lonlat[1]).sum::<f64>() / n,
    ];
    for c in centres.iter_mut().filter(|c| c.is_none()) {
        let pick = members.iter().map(|m| m.lonlat).max_by(|a, b| {
            let score = |p: &[f64; 2]| {
                if chosen.is_empty() {
                    -local_m(*p, mean)
                } else {
                    chosen
                        .iter()
                        .map(|c| local_m(*c, *p))
                        .fold(f64::INFINITY, f64::min)
                }
            };
            score(a).total_cmp(&score(b))
        });
        *c = pick;
        chosen.extend(pick);
    }
    centres
}

/// Each team's office, or the member home with the least total distance to the
/// other members (ties: first in order); `None` for a team without either.
fn medoids(
    members: &[Member],
    teams: &[Team],
    team_of: &[usize],
    k: usize,
) -> Vec<Option<[f64; 2]>> {
    let mut groups: Vec<Vec<[f64; 2]>> = vec![Vec::new(); k];
    for (m, &j) in members.iter().zip(team_of) {
        if j < k {
            groups[j].push(m.lonlat);
        }
    }
    teams
        .iter()
        .zip(&groups)
        .map(|(t, g)| {
            t.base.or_else(|| {
                g.iter()
                    .map(|p| (g.iter().map(|q| local_m(*p, *q)).sum::<f64>(), *p))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, p)| p)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_gives_exact_counts() {
        // 462 among 13 equal shares: 35 each and 7 teams get one more.
        let c = apportion(462, &[1.0; 13]);
        assert_eq!(c.iter().sum::<usize>(), 462);
        assert_eq!(c.iter().filter(|x| **x == 36).count(), 7);
        assert_eq!(&c[..7], &[36; 7]);
        // Remainders decide: 10 × (5, 3, 2) / 10 = 5, 3, 2 exactly; 7 × them.
        assert_eq!(apportion(10, &[5.0, 3.0, 2.0]), vec![5, 3, 2]);
        assert_eq!(apportion(7, &[5.0, 3.0, 2.0]), vec![4, 2, 1]); // 3.5, 2.1, 1.4
    }

    fn grid_members() -> Vec<Member> {
        // Two clusters 5 km apart, 6 children each.
        let mut out = Vec::new();
        for c in [[122.50, -3.99], [122.545, -3.99]] {
            for i in 0..6 {
                out.push(Member {
                    lonlat: [c[0] + f64::from(i) * 0.0003, c[1]],
                    kept: None,
                });
            }
        }
        out
    }

    #[test]
    fn two_clusters_go_to_two_teams_and_kept_children_stay() {
        let teams: Vec<Team> = ["A", "B"]
            .iter()
            .map(|n| Team {
                name: (*n).into(),
                share: Some(1.0),
                capacity: None,
                base: None,
            })
            .collect();
        let members = grid_members();
        let plan = assign(&members, &teams, None, Mode::Motorbike).expect("plan");
        assert_eq!(
            plan.team_of[..6]
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len(),
            1
        );
        assert_ne!(plan.team_of[0], plan.team_of[6]);
        assert!(plan.cost.iter().all(|c| *c < 2_000.0), "{:?}", plan.cost);
        // Keep child 0 with the other team: it stays, and counts stay exact.
        let mut again = members.clone();
        let other = 1 - plan.team_of[0];
        again[0].kept = Some(other);
        let plan2 = assign(&again, &teams, None, Mode::Motorbike).expect("plan");
        assert_eq!(plan2.team_of[0], other);
        let mut count = [0; 2];
        for j in &plan2.team_of {
            count[*j] += 1;
        }
        assert_eq!(count, [6, 6]);
        // Capacities below the children are refused.
        let small: Vec<Team> = teams
            .iter()
            .map(|t| Team {
                share: None,
                capacity: Some(5),
                ..t.clone()
            })
            .collect();
        assert!(matches!(
            assign(&members, &small, None, Mode::Motorbike),
            Err(TeamsError::Infeasible(_))
        ));
    }
}

//! Sharing one round's stunted children among teams: the use case `sigap assign` and
//! the admin page's "Pembagian anak" (`POST /api/admin/assign`) both run.
//!
//! Steps: take the round's stunted children with a plausible z-score (a WHO-flagged
//! one is re-measured, not visited) and the team each already has; keep those teams
//! that the teams file names unless asked to share anew; place the others with
//! [`assign`]; and, when the plan is applied, write every child's team and every team
//! of the file in one store transaction ([`crate::store::Store::write_shared`]).

use super::{Member, Plan, Team, TeamSummary, TeamsError, assign};
use crate::model::{Child, Period};
use crate::roads::{Mode, Roads};
use std::collections::HashMap;

/// Why the children could not be shared.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The round has no stunted child with a plausible z-score: import its children
    /// first, or choose another round.
    #[error("no stunted child in {}", period.map_or_else(|| "the store".to_owned(), |p| format!("period {p}")))]
    NoStuntedChild { period: Option<Period> },
    /// The counts cannot be met (see [`TeamsError::Infeasible`]).
    #[error(transparent)]
    Teams(#[from] TeamsError),
}

/// A plan for sharing one round's children, not yet written.
#[derive(Debug, Clone)]
pub struct Sharing {
    /// The round shared.
    pub period: Option<Period>,
    /// The pseudonyms of the children shared, in the order of `plan.team_of`.
    pub children: Vec<String>,
    /// Each child's home and kept team, in the same order.
    pub members: Vec<Member>,
    pub teams: Vec<Team>,
    pub plan: Plan,
}

/// Shares the stunted children among `teams`. `children` are one round's children,
/// each with the team it has (`None`: none yet); `reassign` places every child anew.
/// Distances are over `roads` by `mode` when given, else in a straight line.
///
/// # Units
/// Children's locations are WGS84 degrees (lon, lat).
///
/// # Errors
/// [`ShareError::NoStuntedChild`] when there is nobody to share, and
/// [`ShareError::Teams`] when the teams' capacities cannot take them all.
pub fn share<'c>(
    children: impl IntoIterator<Item = (&'c Child, Option<&'c str>)>,
    period: Option<Period>,
    teams: Vec<Team>,
    reassign: bool,
    roads: Option<&Roads>,
    mode: Mode,
) -> Result<Sharing, ShareError> {
    let index: HashMap<&str, usize> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let (ids, members): (Vec<String>, Vec<Member>) = children
        .into_iter()
        .filter(|(c, _)| c.is_stunted() && !c.is_flagged())
        .map(|(c, team)| {
            let kept = if reassign {
                None
            } else {
                team.and_then(|t| index.get(t).copied())
            };
            let member = Member {
                lonlat: [c.location.x(), c.location.y()],
                kept,
            };
            (c.id.clone(), member)
        })
        .unzip();
    if ids.is_empty() {
        return Err(ShareError::NoStuntedChild { period });
    }
    let plan = assign(&members, &teams, roads, mode)?;
    Ok(Sharing {
        period,
        children: ids,
        members,
        teams,
        plan,
    })
}

impl Sharing {
    /// Children who kept the team they had.
    #[must_use]
    pub fn kept(&self) -> usize {
        self.members.iter().filter(|m| m.kept.is_some()).count()
    }

    /// Per team: target, given, kept, median and longest travel from its centre.
    #[must_use]
    pub fn summary(&self) -> Vec<TeamSummary> {
        self.plan.summary(&self.teams, &self.members)
    }

    /// `(pseudonym, team)` for every child shared: the assignments to write.
    #[must_use]
    pub fn assignments(&self) -> Vec<(String, String)> {
        self.children
            .iter()
            .zip(&self.plan.team_of)
            .map(|(c, j)| (c.clone(), self.teams[*j].name.clone()))
            .collect()
    }

    /// Every team of the teams file, given children or not: each becomes a known team.
    #[must_use]
    pub fn team_names(&self) -> Vec<String> {
        self.teams.iter().map(|t| t.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sex;
    use chrono::NaiveDate;
    use geo::Point;

    fn child(id: &str, lon: f64, haz: f64) -> Child {
        Child {
            id: id.into(),
            location: Point::new(lon, -3.97),
            sex: Sex::Female,
            birth_date: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
            measure_date: NaiveDate::from_ymd_opt(2026, 2, 1).expect("date"),
            height_cm: 80.0,
            haz,
            placed_by_village: None,
            period: "2026-02".parse().expect("period"),
        }
    }

    fn team(name: &str, share: f64) -> Team {
        Team {
            name: name.into(),
            share: Some(share),
            capacity: None,
            base: None,
        }
    }

    #[test]
    fn shares_only_plausible_stunted_children_and_keeps_named_teams() {
        let kids = [
            child("a", 122.50, -2.5),
            child("b", 122.52, -3.1),
            child("c", 122.54, -1.0),
            child("flagged", 122.51, -6.5),
        ];
        let teams = vec![team("Dinkes", 1.0), team("PUPR", 1.0)];
        let had = [Some("PUPR"), Some("Gone"), None, None];
        let pairs = kids.iter().zip(had);
        let s = share(
            pairs.clone(),
            None,
            teams.clone(),
            false,
            None,
            Mode::Motorbike,
        )
        .expect("shared");
        assert_eq!(s.children, ["a", "b"]);
        assert_eq!(s.kept(), 1, "a keeps PUPR; Gone is not in the file");
        let rows = s.assignments();
        assert_eq!(rows[0], ("a".to_owned(), "PUPR".to_owned()));
        assert_eq!(
            rows[1].1, "Dinkes",
            "equal shares: b goes to the other team"
        );
        assert_eq!(s.team_names(), ["Dinkes", "PUPR"]);
        let anew = share(pairs, None, teams, true, None, Mode::Motorbike).expect("shared");
        assert_eq!(anew.kept(), 0);
    }

    #[test]
    fn nobody_to_share_names_the_period() {
        let kids = [child("c", 122.54, -1.0)];
        let period = Some("2026-02".parse().expect("period"));
        let e = share(
            kids.iter().map(|c| (c, None)),
            period,
            vec![team("Dinkes", 1.0)],
            false,
            None,
            Mode::Motorbike,
        )
        .expect_err("no stunted child");
        assert_eq!(e.to_string(), "no stunted child in period 2026-02");
    }
}

use super::*;
use crate::model::Sex;
use crate::routes::{DayPlan, SavedDay};
use crate::store::{SavedPlan, Visit};
use chrono::NaiveDate;
use geo::Point;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

/// Seconds since the epoch at `text` (`YYYY-MM-DD HH:MM:SS`, UTC).
fn at(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .expect("a test time")
        .and_utc()
        .timestamp()
}

fn team(t: &str, villages: &[&str]) -> Scope {
    Scope::Team {
        team: t.into(),
        villages: villages.iter().map(|v| (*v).to_owned()).collect(),
    }
}

/// Child `id` of round `period` with `haz`, of `team` in `village`.
fn case(id: &str, period: &str, haz: f64, team: Option<&str>, village: Option<&str>) -> CaseChild {
    CaseChild {
        child: Child {
            id: id.into(),
            location: Point::new(122.5, -4.0),
            sex: Sex::Female,
            birth_date: day("2024-06-01"),
            measure_date: day(&format!("{period}-10")),
            height_cm: 80.0,
            haz,
            placed_by_village: None,
            period: period.parse().expect("a test period"),
        },
        village: village.map(str::to_owned),
        team: team.map(str::to_owned),
        home: None,
    }
}

fn cases(children: Vec<CaseChild>) -> Cases {
    Cases {
        children,
        households: Vec::new(),
    }
}

/// A visit to `pseudonym` on `on` with `outcome`, measured at `haz` (with the
/// plausibility `checks` it failed and was confirmed with).
fn visit(pseudonym: &str, on: &str, outcome: &str, haz: Option<f64>, checks: &[&str]) -> Visit {
    Visit {
        id: format!("{pseudonym}-{on}-{outcome}"),
        pseudonym: pseudonym.into(),
        team: "T1".into(),
        username: "bidan".into(),
        visited_on: on.into(),
        outcome: outcome.into(),
        given: Vec::new(),
        height_cm: haz.map(|_| 81.0),
        weight_kg: None,
        haz,
        note: String::new(),
        checks: checks.iter().map(|c| (*c).to_owned()).collect(),
        confirm_reason: String::new(),
        received_at: String::new(),
    }
}

#[test]
fn a_field_officer_plans_for_their_own_team_only() {
    let own = team("T1", &["V1"]);
    let mine = Ok(("T1".to_owned(), vec!["V1".to_owned()]));
    assert_eq!(team_scope(own.clone(), None), mine);
    assert_eq!(team_scope(own.clone(), Some("T1")), mine);
    let refused = team_scope(own, Some("T2")).expect_err("another team");
    assert_eq!(refused, ScopeError::NotYourTeam("T1".into()));
    assert_eq!(refused.to_string(), "this account works for team T1 only");
}

#[test]
fn planners_name_the_team_and_viewers_plan_for_none() {
    assert_eq!(
        team_scope(Scope::All, Some("T2")),
        Ok(("T2".to_owned(), Vec::new()))
    );
    assert_eq!(team_scope(Scope::All, None), Err(ScopeError::NameTheTeam));
    assert_eq!(
        team_scope(Scope::All, Some(" ")),
        Err(ScopeError::NameTheTeam)
    );
    assert_eq!(
        team_scope(Scope::Nothing, Some("T1")),
        Err(ScopeError::NotForThisRole)
    );
    // Saved plans: counts, so viewers read every team's too.
    assert_eq!(plans_scope(team("T1", &[]), false), Ok(Some("T1".into())));
    assert_eq!(plans_scope(Scope::All, false), Ok(None));
    assert_eq!(plans_scope(Scope::Nothing, true), Ok(None));
    assert_eq!(plans_scope(Scope::Nothing, false), Err(ScopeError::NoPlans));
}

#[test]
fn the_plan_day_is_the_day_in_western_indonesia() {
    // 23:30 UTC is 06:30 WIB the next morning.
    assert_eq!(
        plan_day_of(None, at("2026-03-01 23:30:00")),
        Ok(day("2026-03-02"))
    );
    assert_eq!(
        plan_day_of(Some(""), at("2026-03-01 16:59:59")),
        Ok(day("2026-03-01"))
    );
    assert_eq!(
        plan_day_of(None, at("2026-03-01 17:00:00")),
        Ok(day("2026-03-02"))
    );
    // The phone's own date wins over the clock.
    assert_eq!(
        plan_day_of(Some(" 2026-02-27 "), at("2026-03-01 23:30:00")),
        Ok(day("2026-02-27"))
    );
    let bad = plan_day_of(Some("27/02/2026"), 0).expect_err("not ISO");
    assert_eq!(bad.to_string(), "date=27/02/2026: use YYYY-MM-DD");
}

#[test]
fn options_name_what_to_fix_in_the_order_they_are_checked() {
    let on = day("2026-03-02");
    let with = |f: fn(&mut PlanOptions)| {
        let mut o = PlanOptions::default();
        f(&mut o);
        o
    };
    let bad_mode = with(|o| o.mode = Some("bike".into()));
    assert_eq!(
        bad_mode.check().expect_err("mode").to_string(),
        "mode=bike: use motorbike, car or walk"
    );
    let bad_hours = with(|o| o.hours = Some("14:00-08:00".into()));
    assert!(matches!(bad_hours.check(), Err(OptionError::Hours(_))));
    // `GET` checks the mode before the hours ...
    let both = with(|o| {
        o.mode = Some("bike".into());
        o.hours = Some("soon".into());
        o.start = Some("north".into());
    });
    assert!(matches!(both.check(), Err(OptionError::Mode(_))));
    // ... and a plan made checks the start before the mode.
    let made = both.request(("T1", &[]), None, on).expect_err("start");
    assert!(
        made.to_string().starts_with("start: expected LAT,LON"),
        "{made}"
    );
    let end = with(|o| o.end = Some("1,2,3".into()));
    let e = end.request(("T1", &[]), None, on).expect_err("end");
    assert!(matches!(e, OptionError::Place { name: "end", .. }), "{e}");
    assert_eq!(PlanOptions::default().check(), Ok(()));
}

#[test]
fn options_take_defaults_and_are_held_to_their_ranges() {
    let on = day("2026-03-02");
    let plain = PlanOptions::default()
        .request(("T1", &["V1".to_owned()]), None, on)
        .expect("defaults");
    assert_eq!(
        (
            plain.max_visits,
            plain.hours.as_str(),
            plain.service_minutes
        ),
        (10, "08:00-14:00", 20.0)
    );
    assert_eq!((plain.day, plain.start, plain.end), (Some(on), None, None));
    assert_eq!(plain.villages, ["V1"]);
    let low = PlanOptions {
        max: Some(0),
        service: Some(-5.0),
        start: Some("-4.0,122.5".into()),
        mode: Some("walk".into()),
        ..PlanOptions::default()
    }
    .request(("T1", &[]), None, on)
    .expect("held");
    assert_eq!((low.max_visits, low.service_minutes), (1, 0.0));
    assert_eq!(low.start, Some([122.5, -4.0]));
    assert_eq!(low.mode, crate::roads::Mode::Walk);
    let high = PlanOptions {
        max: Some(500),
        service: Some(1000.0),
        ..PlanOptions::default()
    }
    .request(("T1", &[]), None, on)
    .expect("held");
    assert_eq!((high.max_visits, high.service_minutes), (60, 240.0));
}

#[test]
fn a_child_outside_the_team_is_refused_the_same_whether_or_not_it_exists() {
    let records = cases(vec![
        case("mine", "2026-01", -2.5, Some("T1"), Some("V1")),
        case("mine", "2026-02", -2.4, Some("T1"), Some("V1")),
        case("theirs", "2026-02", -2.5, Some("T2"), Some("V1")),
        case("elsewhere", "2026-02", -2.5, Some("T1"), Some("V9")),
    ]);
    let officer = team("T1", &["V1"]);
    for other in ["theirs", "elsewhere", "nobody"] {
        assert_eq!(
            visit_child(other, &officer, &records).map(|c| c.map(|c| &c.child.id)),
            Err(ScopeError::NotYourChild),
            "{other}"
        );
    }
    let mine = visit_child("mine", &officer, &records).expect("own child");
    let period = mine.map(|c| c.child.period.to_string());
    assert_eq!(period.as_deref(), Some("2026-02"), "the latest round");
    // Any village of the team when the officer has none.
    assert!(visit_child("elsewhere", &team("T1", &[]), &records).is_ok());
    // A planner learns that the child does not exist from the visit's own check.
    assert_eq!(
        visit_child("nobody", &Scope::All, &records).map(|c| c.is_none()),
        Ok(true)
    );
    assert_eq!(rounds_of(&records, "mine").len(), 2);
}

#[test]
fn progress_counts_assigned_stunted_children_and_what_visits_found() {
    let records = cases(vec![
        // Visited, measured better and no longer stunted.
        case("a", "2026-02", -2.5, Some("T1"), Some("V1")),
        // Visited; measured implausibly and confirmed: unconfirmed only.
        case("b", "2026-02", -2.5, Some("T1"), Some("V2")),
        // Visited before the round began, and not found since.
        case("c", "2026-02", -3.1, Some("T1"), None),
        // Not counted: not stunted, flagged, no team, another round.
        case("d", "2026-02", -1.0, Some("T1"), Some("V1")),
        case("e", "2026-02", -7.0, Some("T1"), Some("V1")),
        case("f", "2026-02", -2.5, None, Some("V1")),
        case("g", "2026-01", -2.5, Some("T2"), Some("V1")),
        // Another team's, measured better but still stunted.
        case("h", "2026-02", -2.8, Some("T2"), Some("V1")),
    ]);
    let visits = [
        visit("a", "2026-02-20", "visited", Some(-1.5), &[]),
        visit("b", "2026-02-21", "visited", Some(-0.5), &["haz_jump"]),
        visit("c", "2026-01-30", "visited", Some(-1.0), &[]),
        visit("c", "2026-02-25", "not_found", None, &[]),
        visit("d", "2026-02-22", "visited", None, &[]),
        visit("h", "2026-03-03", "visited", Some(-2.2), &[]),
    ];
    let period = Some("2026-02".parse().expect("period"));
    let table = progress(&records, period, &visits);
    let t1 = &table.teams["T1"];
    assert_eq!(
        (t1.assigned, t1.visited, t1.last_visit.as_deref()),
        (3, 2, Some("2026-02-21"))
    );
    assert_eq!(
        (t1.recovering, t1.no_longer_stunted, t1.unconfirmed),
        (1, 1, 1)
    );
    let t2 = &table.teams["T2"];
    assert_eq!(
        (t2.assigned, t2.visited, t2.recovering, t2.no_longer_stunted),
        (1, 1, 1, 0)
    );
    let villages: Vec<(&str, usize)> = table
        .villages
        .iter()
        .map(|(code, p)| (code.as_str(), p.assigned))
        .collect();
    assert_eq!(villages, [("-", 1), ("V1", 2), ("V2", 1)]);
    // Without a period every round counts, and every visit.
    assert_eq!(progress(&records, None, &visits).teams["T2"].assigned, 2);
}

#[test]
fn history_is_the_rounds_and_the_measured_visits_oldest_first() {
    let records = cases(vec![
        case("a", "2026-02", -2.5, Some("T1"), Some("V1")),
        case("a", "2026-01", -2.6, Some("T1"), Some("V1")),
    ]);
    assert_eq!(
        child_rounds(&records, &team("T2", &[]), "a").map(|r| r.len()),
        Err(ScopeError::NoSuchChild)
    );
    assert_eq!(
        child_rounds(&records, &Scope::All, "b").map(|r| r.len()),
        Err(ScopeError::NoSuchChild)
    );
    let rounds = child_rounds(&records, &team("T1", &["V1"]), "a").expect("own");
    let visits = [
        visit("a", "2026-01-20", "visited", Some(-2.4), &["haz_jump"]),
        visit("a", "2026-01-25", "visited", None, &[]),
        visit("z", "2026-01-21", "visited", Some(-2.0), &[]),
    ];
    let h = history(&records, &rounds, &visits, day("2026-03-01"));
    let dates: Vec<&str> = h.points.iter().map(HistoryPoint::date).collect();
    assert_eq!(dates, ["2026-01-10", "2026-01-20", "2026-02-10"]);
    assert!(matches!(
        &h.points[1],
        HistoryPoint::Visit { counts: false, .. }
    ));
}

#[test]
fn plan_rows_count_the_visits_to_the_plans_children_on_the_day() {
    let made = SavedDay {
        period: Some("2026-02".into()),
        start: [122.5, -4.0],
        start_name: None,
        end: [122.5, -4.0],
        max_visits: 10,
        hours: "08:00-14:00".into(),
        service_minutes: 20.0,
        mode: "motorbike".into(),
        candidates_then: 3,
        candidates: ["a", "b", "c"]
            .iter()
            .map(|k| crate::routes::Candidate {
                key: (*k).into(),
                lonlat: [122.5, -4.0],
                haz: -2.5,
                last_visit: None,
            })
            .collect(),
        plan: DayPlan {
            stops: Vec::new(),
            left: 0,
            travel_min: 80.0,
            service_min: 43.4,
            total_min: 123.4,
            travel_m: 9000.0,
            path: Vec::new(),
        },
    };
    let saved = |team: &str| SavedPlan {
        team: team.into(),
        day: "2026-03-02".into(),
        made_by: "bidan".into(),
        made_at: "2026-03-02T06:30:00Z".into(),
        version: 2,
        plan: serde_json::to_string(&made).expect("json"),
    };
    let visits = [
        visit("a", "2026-03-02", "visited", None, &[]),
        visit("b", "2026-03-02", "not_found", None, &[]),
        visit("c", "2026-03-01", "visited", None, &[]),
        visit("x", "2026-03-02", "visited", None, &[]),
    ];
    let all = [saved("T1"), saved("T2")];
    let rows = plan_rows(&all, Some("T2"), &visits, day("2026-03-02")).expect("rows");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.team.as_str(), r.stops, r.done, r.visited, r.not_found),
        ("T2", 0, 2, 1, 1)
    );
    assert_eq!(
        (r.version, r.total_min, r.hours.as_str()),
        (2, 123.0, "08:00-14:00")
    );
    assert_eq!(
        plan_rows(&all, None, &visits, day("2026-03-02")).map(|r| r.len()),
        Ok(2)
    );
    let broken = SavedPlan {
        plan: "{".into(),
        ..saved("T3")
    };
    let e = plan_rows(&[broken], None, &visits, day("2026-03-02")).expect_err("unreadable");
    assert!(
        e.to_string()
            .starts_with("the saved plan of T3 for 2026-03-02 is unreadable")
    );
}

#[test]
fn an_officer_reads_the_visits_of_their_team_in_their_villages_newest_first() {
    let records = cases(vec![
        case("a", "2026-02", -2.5, Some("T1"), Some("V1")),
        case("b", "2026-02", -2.5, Some("T1"), Some("V2")),
    ]);
    let mut theirs = visit("a", "2026-02-21", "visited", None, &[]);
    theirs.team = "T2".into();
    let stored = vec![
        visit("a", "2026-02-20", "visited", None, &[]),
        visit("b", "2026-02-20", "visited", None, &[]),
        theirs,
        visit("a", "2026-02-22", "not_found", None, &[]),
    ];
    let readers = visit_readers(team("T1", &["V1"]), Some("T2")).expect("own team");
    assert_eq!(readers, (Some("T1".to_owned()), vec!["V1".to_owned()]));
    let read = readable_visits(
        &records,
        (readers.0.as_deref(), &readers.1),
        None,
        stored.clone(),
    );
    let seen: Vec<(&str, &str)> = read
        .iter()
        .map(|v| (v.pseudonym.as_str(), v.visited_on.as_str()))
        .collect();
    assert_eq!(seen, [("a", "2026-02-22"), ("a", "2026-02-20")]);
    // A planner names the team (or none) and the child.
    let all = readable_visits(&records, (None, &[]), Some("a"), stored.clone());
    assert_eq!(all.len(), 3);
    let t2 = readable_visits(&records, (Some("T2"), &[]), None, stored);
    assert_eq!(t2.len(), 1);
    assert_eq!(
        visit_readers(Scope::Nothing, None),
        Err(ScopeError::NoVisits)
    );
}

use super::*;
use crate::model::{Recipient, Sex, default_programmes};
use geo::Point;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

/// Girl `id`, born on 2024-06-01, measured `h` cm on `date` (with her HAZ, WHO 2006).
fn round(id: &str, date: &str, h: f64) -> Child {
    let date = day(date);
    let birth_date = day("2024-06-01");
    let haz = plausibility::check(
        &plausibility::NewMeasurement {
            sex: Sex::Female,
            birth_date,
            date,
            height_cm: Some(h),
            weight_kg: None,
        },
        None,
    )
    .scores
    .haz
    .expect("a haz");
    Child {
        id: id.into(),
        location: Point::new(122.5, -4.0),
        sex: Sex::Female,
        birth_date,
        measure_date: date,
        height_cm: h,
        haz,
        placed_by_village: None,
        period: Period::of_date(date),
    }
}

/// Child `a` of team DP2KB as a case: severely stunted (76.5 cm at 26 months).
fn case() -> CaseChild {
    CaseChild {
        child: round("a", "2026-08-10", 76.5),
        village: Some("7471011001".into()),
        team: Some("DP2KB".into()),
        home: None,
    }
}

const ID: &str = "0f6e2a4c-1d3b-4e5f-8a9b-c0d1e2f3a4b5";

/// A visit to `a` on 2026-09-01 that found her and measured `h` cm.
fn sent(h: Option<f64>) -> NewVisit {
    NewVisit {
        id: Some(ID.into()),
        pseudonym: Some("a".into()),
        visited_on: Some("2026-09-01".into()),
        outcome: Some("visited".into()),
        height_cm: h,
        ..NewVisit::default()
    }
}

/// `sent` checked against child `a`'s one round and `stored`, today 2026-09-01.
fn check_a(sent: &NewVisit, stored: &[Visit]) -> Result<Visit, VisitError> {
    let child = case();
    check(
        sent,
        Some(&child),
        &[&child.child],
        stored,
        day("2026-09-01"),
        "f-fo",
    )
}

fn problems(r: Result<Visit, VisitError>) -> Vec<(&'static str, String)> {
    match r {
        Err(VisitError::Problems(p)) => p.into_iter().map(|p| (p.field, p.reason)).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

fn implausible(r: Result<Visit, VisitError>) -> Implausible {
    match r {
        Err(VisitError::Implausible(m)) => *m,
        other => panic!("expected an implausible measurement, got {other:?}"),
    }
}

#[test]
fn a_plausible_visit_becomes_the_record_to_store() {
    let v = check_a(
        &NewVisit {
            given: vec!["eggs".into()],
            confirm_reason: "unused without confirm".into(),
            ..sent(Some(77.0))
        },
        &[],
    )
    .expect("a plausible visit");
    assert_eq!(
        (v.id.as_str(), v.pseudonym.as_str(), v.team.as_str()),
        (ID, "a", "DP2KB")
    );
    assert_eq!(
        (v.username.as_str(), v.visited_on.as_str()),
        ("f-fo", "2026-09-01")
    );
    assert_eq!(v.given, ["eggs"]);
    assert!(v.checks.is_empty() && v.confirm_reason.is_empty(), "{v:?}");
    let haz = v.haz.expect("a measured haz");
    assert!(haz < -3.0, "{haz}");
    assert!(((haz * 100.0).round() - haz * 100.0).abs() < 1e-9, "{haz}");
}

#[test]
fn nothing_measured_is_not_checked() {
    let v = check_a(&sent(None), &[]).expect("a visit without a measurement");
    assert_eq!((v.haz, v.checks.len()), (None, 0));
}

#[test]
fn a_visit_in_the_future_is_a_problem_of_its_date() {
    // The phone's day may run one ahead of the server's.
    let tomorrow = NewVisit {
        visited_on: Some("2026-09-02".into()),
        ..sent(None)
    };
    assert!(check_a(&tomorrow, &[]).is_ok());
    let later = NewVisit {
        visited_on: Some("2026-09-03".into()),
        ..sent(None)
    };
    assert_eq!(
        problems(check_a(&later, &[])),
        [("visited_on", "in the future".to_owned())]
    );
}

#[test]
fn a_visit_before_the_birth_is_a_problem_of_its_date() {
    let v = NewVisit {
        visited_on: Some("2024-05-31".into()),
        ..sent(None)
    };
    assert_eq!(
        problems(check_a(&v, &[])),
        [("visited_on", "before the child's birth".to_owned())]
    );
}

#[test]
fn a_child_not_found_is_neither_given_nor_measured() {
    let v = NewVisit {
        outcome: Some("not_found".into()),
        ..sent(Some(77.0))
    };
    assert_eq!(
        problems(check_a(&v, &[])),
        [(
            "outcome",
            "nothing is given or measured when the child was not found".to_owned()
        )]
    );
}

#[test]
fn every_problem_is_listed_at_once_in_field_order() {
    let v = NewVisit {
        id: Some("short".into()),
        pseudonym: Some("nobody".into()),
        visited_on: Some("2026-13-01".into()),
        outcome: Some("maybe".into()),
        given: vec!["money".into()],
        height_cm: Some(200.0),
        weight_kg: Some(0.5),
        note: "x".repeat(501),
        confirm: true,
        confirm_reason: "ok".into(),
    };
    let r = check(&v, None, &[], &[], day("2026-09-01"), "f-fo");
    let fields: Vec<&str> = problems(r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "id",
            "pseudonym",
            "visited_on",
            "outcome",
            "given",
            "height_cm",
            "weight_kg",
            "note",
            "confirm_reason"
        ]
    );
}

#[test]
fn a_height_jump_is_refused_with_what_it_was_compared_with() {
    // 76.5 cm (HAZ about -3.5) then 86.5 cm three weeks later: the case that
    // prompted the rule.
    let m = implausible(check_a(&sent(Some(86.5)), &[]));
    assert_eq!(m.codes(), ["haz_jump"]);
    let previous = m.previous.as_ref().expect("the round's measurement");
    assert_eq!(
        (previous.date, previous.height_cm, previous.source),
        (day("2026-08-10"), 76.5, "round")
    );
    assert!(m.haz.is_some_and(|z| z > previous.haz + 2.0), "{:?}", m.haz);
    let expected = m.expected.as_ref().expect("a child under five");
    assert!(
        expected.min_cm < 86.5 && 86.5 > expected.max_cm,
        "{expected:?}"
    );
    assert_eq!((m.height_cm, m.weight_kg), (Some(86.5), None));
    assert!(
        m.to_string()
            .starts_with("Pengukuran perlu diperiksa: HAZ berubah"),
        "{m}"
    );
}

#[test]
fn a_confirmation_needs_a_reason_of_5_to_200_characters() {
    for reason in ["", "  ok  ", &"x".repeat(201)] {
        let v = NewVisit {
            confirm: true,
            confirm_reason: reason.into(),
            ..sent(Some(86.5))
        };
        let fields: Vec<&str> = problems(check_a(&v, &[]))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["confirm_reason"], "{reason:?}");
    }
}

#[test]
fn a_confirmed_jump_is_stored_with_its_codes_and_trimmed_reason() {
    let v = NewVisit {
        confirm: true,
        confirm_reason: "  diukur ulang dua kali  ".into(),
        ..sent(Some(86.5))
    };
    let v = check_a(&v, &[]).expect("a confirmed measurement");
    assert_eq!(v.checks, ["haz_jump"]);
    assert_eq!(v.confirm_reason, "diukur ulang dua kali");
    assert!(v.haz.is_some() && !v.trusted());
}

/// A stored visit to `a` on `date` that measured `h` cm (with its HAZ).
fn stored(id: &str, date: &str, h: f64) -> Visit {
    let r = round("a", date, h);
    Visit {
        id: id.into(),
        pseudonym: "a".into(),
        team: "DP2KB".into(),
        username: "f-fo".into(),
        visited_on: date.into(),
        outcome: "visited".into(),
        given: Vec::new(),
        height_cm: Some(h),
        weight_kg: None,
        haz: Some(r.haz),
        note: String::new(),
        checks: Vec::new(),
        confirm_reason: String::new(),
        received_at: String::new(),
    }
}

#[test]
fn a_measurement_is_compared_with_the_latest_other_one() {
    // A confirmed 86.0 cm on 2026-08-20 is what 86.5 cm is compared with ...
    let earlier = stored("1111111111111111", "2026-08-20", 86.0);
    let v = check_a(&sent(Some(86.5)), std::slice::from_ref(&earlier)).expect("passes");
    assert!(v.checks.is_empty(), "{v:?}");
    // ... but not the record being sent again under its own id.
    let own = Visit {
        id: ID.into(),
        ..earlier
    };
    let m = implausible(check_a(&sent(Some(86.5)), &[own]));
    assert_eq!(
        m.previous.map(|p| (p.source, p.date)),
        Some(("round", day("2026-08-10")))
    );
}

#[test]
fn on_the_same_day_a_visit_is_later_than_a_round_and_flagged_rounds_do_not_count() {
    let child = case();
    let same_day = stored("1111111111111111", "2026-08-10", 80.0);
    let last = last_measurement(
        "a",
        &[&child.child],
        std::slice::from_ref(&same_day),
        day("2026-09-01"),
        "",
    );
    assert_eq!(last.map(|p| p.source), Some("visit"));
    let flagged = Child {
        haz: -7.0,
        ..child.child.clone()
    };
    assert_eq!(
        last_measurement("a", &[&flagged], &[], day("2026-09-01"), ""),
        None
    );
    // Another child's round is not hers.
    let other = Child {
        id: "b".into(),
        ..child.child
    };
    assert_eq!(
        last_measurement("a", &[&other], &[], day("2026-09-01"), ""),
        None
    );
}

#[test]
fn a_stored_id_is_a_resend_only_for_the_same_child_and_team() {
    let sent = stored(ID, "2026-09-01", 77.0);
    assert_eq!(
        Recorded::of(&sent, &sent, true).expect("new"),
        Recorded::New
    );
    let earlier = Visit {
        height_cm: Some(77.5),
        ..sent.clone()
    };
    assert_eq!(
        Recorded::of(&sent, &earlier, false).expect("resent"),
        Recorded::Resent
    );
    for other in [
        Visit {
            pseudonym: "b".into(),
            ..sent.clone()
        },
        Visit {
            team: "Dinkes".into(),
            ..sent.clone()
        },
    ] {
        assert!(matches!(
            Recorded::of(&sent, &other, false),
            Err(VisitError::IdTaken)
        ));
    }
}

#[test]
fn a_visit_gives_deliveries_of_the_programmes_naming_its_items() {
    let visit = Visit {
        given: vec!["eggs".into(), "referral".into()],
        ..stored(ID, "2026-09-01", 77.0)
    };
    let periods = [Period::of_date(day("2026-08-01"))];
    let given = deliveries(&visit, &default_programmes(), &periods);
    let got: Vec<(&str, &Recipient, Period)> = given
        .iter()
        .map(|d| (d.programme.as_str(), &d.recipient, d.period))
        .collect();
    assert_eq!(got, [("telur", &Recipient::Child("a".into()), periods[0])]);
    let not_found = Visit {
        outcome: "not_found".into(),
        ..visit
    };
    assert!(deliveries(&not_found, &default_programmes(), &periods).is_empty());
}

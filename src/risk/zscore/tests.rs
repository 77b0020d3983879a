use super::*;

fn boy(age_days: i64, height_cm: f64, position: Option<Position>) -> Measurement {
    Measurement {
        sex: Sex::Male,
        age_days: Some(age_days),
        height_cm: Some(height_cm),
        weight_kg: None,
        position,
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn the_median_is_zero_and_one_sd_is_m_times_s() {
    // WHO lhfa boys day 0: L = 1, M = 49.8842, S = 0.03795.
    let z = compute(&boy(0, 49.8842, Some(Position::Lying)));
    assert!(close(z.haz, 0.0), "{z:?}");
    let one_sd = 49.8842 * (1.0 + 0.03795);
    assert!(close(compute(&boy(0, one_sd, None)).haz, 1.0));
    // wfa boys day 0: L = 0.3487, M = 3.3464, S = 0.14602; weight at z = -2 from
    // the LMS inverse.
    let lms = Lms {
        l: 0.3487,
        m: 3.3464,
        s: 0.14602,
    };
    let w = lms_value(-2.0, lms);
    let m = Measurement {
        weight_kg: Some(w),
        ..boy(0, 49.8842, None)
    };
    assert!(close(compute(&m).waz, -2.0));
    // Stunted: boys day 1000, M = 93.9706, S = 0.03783; 2.5 SD below.
    let h = 93.9706 * (1.0 - 2.5 * 0.03783);
    assert!(close(compute(&boy(1000, h, None)).haz, -2.5));
}

#[test]
fn position_rule_adds_or_subtracts_seven_millimetres() {
    // Under 731 days, standing: +0.7 cm, so 76.3 standing equals 77.0 lying.
    let lying = compute(&boy(400, 77.0, Some(Position::Lying))).haz;
    let standing = compute(&boy(400, 76.3, Some(Position::Standing))).haz;
    assert!(lying.is_some());
    assert!((lying.unwrap_or(0.0) - standing.unwrap_or(9.0)).abs() < 1e-9);
    // From 731 days, lying: -0.7 cm.
    let a = compute(&boy(731, 87.8, Some(Position::Lying))).haz;
    let b = compute(&boy(731, 87.1, Some(Position::Standing))).haz;
    assert!((a.unwrap_or(0.0) - b.unwrap_or(9.0)).abs() < 1e-9);
    // A missing position is the recommended one: no correction either side of 731.
    assert_eq!(
        compute(&boy(730, 85.0, None)).haz,
        compute(&boy(730, 85.0, Some(Position::Lying))).haz
    );
    assert_eq!(
        compute(&boy(731, 85.0, None)).haz,
        compute(&boy(731, 85.0, Some(Position::Standing))).haz
    );
    assert_ne!(
        compute(&boy(731, 85.0, None)).haz,
        compute(&boy(731, 85.0, Some(Position::Lying))).haz
    );
}

#[test]
fn weight_for_length_follows_the_adjusted_position() {
    // A 3-year-old measured lying at 80.7 cm is 80.0 cm standing: the wfh row at
    // 80.0 (M = 10.5781), which equals the wfl row at 80.7.
    let m = Measurement {
        weight_kg: Some(10.5781),
        ..boy(1100, 80.7, Some(Position::Lying))
    };
    assert!(close(compute(&m).whz, 0.0));
    // A 1-year-old measured standing at 79.3 cm is 80.0 cm lying: wfl 80.0
    // (M = 10.4475).
    let m = Measurement {
        weight_kg: Some(10.4475),
        ..boy(365, 79.3, Some(Position::Standing))
    };
    assert!(close(compute(&m).whz, 0.0));
    // Lying tables stop at 110 cm, standing start at 65 cm.
    let m = Measurement {
        weight_kg: Some(20.0),
        ..boy(700, 111.0, Some(Position::Lying))
    };
    assert_eq!(compute(&m).whz, None);
    let m = Measurement {
        weight_kg: Some(6.0),
        ..boy(800, 64.0, Some(Position::Standing))
    };
    assert_eq!(compute(&m).whz, None);
}

#[test]
fn restricted_lms_is_continuous_at_three_and_linear_beyond() {
    let lms = Lms {
        l: -0.3521,
        m: 10.4475,
        s: 0.08308,
    };
    for k in [3.0, -3.0] {
        let at = lms_value(k, lms);
        for eps in [1e-7, -1e-7] {
            assert!((restricted_z(at + eps, lms) - k).abs() < 1e-5);
        }
    }
    let (sd2, sd3) = (lms_value(2.0, lms), lms_value(3.0, lms));
    assert!((restricted_z(sd3 + (sd3 - sd2), lms) - 4.0).abs() < 1e-9);
    let (sd2n, sd3n) = (lms_value(-2.0, lms), lms_value(-3.0, lms));
    assert!((restricted_z(sd3n - 2.0 * (sd2n - sd3n), lms) + 5.0).abs() < 1e-9);
    // Within ±3 it is the plain LMS; beyond, it differs.
    let y = lms_value(1.5, lms);
    assert!((restricted_z(y, lms) - lms_z(y, lms)).abs() < 1e-12);
    let y = lms_value(4.0, lms);
    assert!((restricted_z(y, lms) - lms_z(y, lms)).abs() > 1e-3);
}

#[test]
fn flags_use_the_who_cut_offs() {
    let z = ZScores {
        haz: Some(-6.01),
        waz: Some(5.5),
        whz: Some(-4.9),
    };
    let f = z.flags();
    assert_eq!((f.haz, f.waz, f.whz), (Some(true), Some(true), Some(false)));
    assert!(f.any());
    let f = ZScores {
        haz: Some(5.9),
        waz: Some(-5.9),
        whz: None,
    }
    .flags();
    assert_eq!((f.haz, f.waz, f.whz), (Some(false), Some(false), None));
}

#[test]
fn ages_outside_the_tables_give_nothing() {
    assert_eq!(compute(&boy(1827, 110.0, None)), ZScores::default());
    assert_eq!(compute(&boy(-1, 50.0, None)), ZScores::default());
    assert!(compute(&boy(1826, 110.0, None)).haz.is_some());
}

#[test]
fn positions_read_in_english_and_bahasa() {
    for t in ["lying", "Telentang", "terlentang", "berbaring", "L"] {
        assert_eq!(Position::parse(t), Ok(Position::Lying));
    }
    for t in ["standing", "BERDIRI", "h"] {
        assert_eq!(Position::parse(t), Ok(Position::Standing));
    }
    assert!(Position::parse("duduk").is_err());
}

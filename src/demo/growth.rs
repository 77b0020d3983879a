//! Length/height-for-age of the WHO 2006 Child Growth Standards, enough to give a
//! synthetic child a height that matches its z-score.
//!
//! The demo writes both `height_cm` and `haz`; an importer or a reviewer may
//! recompute one from the other, so they must agree. For length/height-for-age the
//! Box-Cox power L is 1, so `height = M (1 + S z)` and `z = (height / M - 1) / S`.
//! M and S are the WHO monthly values (lhfa tables, boys and girls, 0-2 years lying
//! and 2-5 years standing), interpolated linearly between whole months of
//! 30.4375 days. Below 24 months a child counts as measured lying, from 24 months
//! standing, as in the WHO tables; the standing median at 24 months is 0.7 cm below
//! the lying one.

use crate::model::Sex;

/// Days per month in the WHO standards (365.25 / 12).
pub(crate) const DAYS_PER_MONTH: f64 = 30.4375;

/// Boys, recumbent length, months 0 to 24: (M, S).
#[rustfmt::skip]
const LENGTH_BOYS: [(f64, f64); 25] = [
    (49.88420, 0.03795), (54.72440, 0.03557), (58.42490, 0.03424),
    (61.42920, 0.03328), (63.88600, 0.03257), (65.90260, 0.03204),
    (67.62360, 0.03165), (69.16450, 0.03139), (70.59940, 0.03124),
    (71.96870, 0.03117), (73.28120, 0.03118), (74.53880, 0.03125),
    (75.74880, 0.03137), (76.91860, 0.03154), (78.04970, 0.03174),
    (79.14580, 0.03197), (80.21130, 0.03222), (81.24870, 0.03250),
    (82.25870, 0.03279), (83.24180, 0.03310), (84.19960, 0.03342),
    (85.13480, 0.03376), (86.04770, 0.03410), (86.94100, 0.03445),
    (87.81610, 0.03479),
];

/// Girls, recumbent length, months 0 to 24: (M, S).
#[rustfmt::skip]
const LENGTH_GIRLS: [(f64, f64); 25] = [
    (49.14770, 0.03790), (53.68720, 0.03640), (57.06730, 0.03568),
    (59.80290, 0.03520), (62.08990, 0.03486), (64.03010, 0.03463),
    (65.73110, 0.03448), (67.28730, 0.03441), (68.74980, 0.03440),
    (70.14350, 0.03444), (71.48180, 0.03452), (72.77100, 0.03464),
    (74.01500, 0.03479), (75.21760, 0.03496), (76.38170, 0.03514),
    (77.50990, 0.03534), (78.60550, 0.03555), (79.67100, 0.03576),
    (80.70790, 0.03598), (81.71820, 0.03620), (82.70360, 0.03643),
    (83.66540, 0.03666), (84.60400, 0.03688), (85.52020, 0.03711),
    (86.41530, 0.03734),
];

/// Boys, standing height, months 24 to 60: (M, S).
#[rustfmt::skip]
const HEIGHT_BOYS: [(f64, f64); 37] = [
    (87.11610, 0.03507), (87.97197, 0.03542), (88.80653, 0.03576),
    (89.61975, 0.03610), (90.41200, 0.03642), (91.18279, 0.03674),
    (91.93274, 0.03704), (92.66313, 0.03733), (93.37530, 0.03761),
    (94.07109, 0.03787), (94.75312, 0.03812), (95.42361, 0.03836),
    (96.08352, 0.03858), (96.73377, 0.03879), (97.37486, 0.03900),
    (98.00729, 0.03919), (98.63105, 0.03937), (99.24585, 0.03954),
    (99.85152, 0.03970), (100.44854, 0.03986), (101.03740, 0.04002),
    (101.61866, 0.04017), (102.19334, 0.04031), (102.76246, 0.04045),
    (103.32730, 0.04059), (103.88865, 0.04073), (104.44731, 0.04086),
    (105.00412, 0.04100), (105.55955, 0.04113), (106.11381, 0.04126),
    (106.66681, 0.04139), (107.21874, 0.04152), (107.76975, 0.04165),
    (108.31977, 0.04177), (108.86885, 0.04190), (109.41692, 0.04202),
    (109.96377, 0.04214),
];

/// Girls, standing height, months 24 to 60: (M, S).
#[rustfmt::skip]
const HEIGHT_GIRLS: [(f64, f64); 37] = [
    (85.71540, 0.03764), (86.59043, 0.03786), (87.44622, 0.03808),
    (88.28300, 0.03830), (89.10043, 0.03851), (89.89911, 0.03872),
    (90.67968, 0.03893), (91.44305, 0.03913), (92.19060, 0.03933),
    (92.92391, 0.03952), (93.64437, 0.03971), (94.35322, 0.03989),
    (95.05150, 0.04007), (95.73982, 0.04024), (96.41871, 0.04041),
    (97.08846, 0.04057), (97.74930, 0.04074), (98.40147, 0.04089),
    (99.04478, 0.04105), (99.67952, 0.04120), (100.30582, 0.04135),
    (100.92379, 0.04150), (101.53369, 0.04164), (102.13598, 0.04179),
    (102.73120, 0.04193), (103.31974, 0.04206), (103.90211, 0.04220),
    (104.47858, 0.04233), (105.04942, 0.04247), (105.61487, 0.04259),
    (106.17484, 0.04272), (106.72953, 0.04285), (107.27880, 0.04297),
    (107.82269, 0.04310), (108.36130, 0.04322), (108.89482, 0.04335),
    (109.42322, 0.04346),
];

/// The WHO median M (cm) and coefficient of variation S at an age in days
/// (0 to 1826; older ages use 60 months).
pub(crate) fn median_and_cv(sex: Sex, age_days: u32) -> (f64, f64) {
    // The WHO day table (L = 1 for length/height), so demo heights and haz agree with
    // any WHO implementation to the day; the monthly values below are the fallback.
    if let Some(lms) = crate::risk::zscore::lhfa(sex, i64::from(age_days)) {
        return (lms.m, lms.s);
    }
    let months = f64::from(age_days) / DAYS_PER_MONTH;
    let (table, start): (&[(f64, f64)], f64) = match (sex, months < 24.0) {
        (Sex::Male, true) => (&LENGTH_BOYS, 0.0),
        (Sex::Female, true) => (&LENGTH_GIRLS, 0.0),
        (Sex::Male, false) => (&HEIGHT_BOYS, 24.0),
        (Sex::Female, false) => (&HEIGHT_GIRLS, 24.0),
    };
    let x = (months - start).clamp(0.0, (table.len() - 1) as f64);
    let i = (x.floor() as usize).min(table.len() - 2);
    let f = x - i as f64;
    let (m0, s0) = table[i];
    let (m1, s1) = table[i + 1];
    (m0 + f * (m1 - m0), s0 + f * (s1 - s0))
}

/// The length/height (cm) of a child of this sex and age at z-score `z`.
pub(crate) fn height_for_z(sex: Sex, age_days: u32, z: f64) -> f64 {
    let (m, s) = median_and_cv(sex, age_days);
    m * (1.0 + s * z)
}

/// The height-for-age z-score of a length/height (cm).
pub(crate) fn z_for_height(sex: Sex, age_days: u32, height_cm: f64) -> f64 {
    let (m, s) = median_and_cv(sex, age_days);
    (height_cm / m - 1.0) / s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_match_published_who_values() {
        // WHO 2006 length/height-for-age medians (cm) at 0, 12, 24 (standing), 36, 48
        // and 60 months, rounded to 0.1 cm as printed in the WHO charts.
        let boys = [
            (0, 49.9),
            (12, 75.7),
            (24, 87.1),
            (36, 96.1),
            (48, 103.3),
            (60, 110.0),
        ];
        let girls = [
            (0, 49.1),
            (12, 74.0),
            (24, 85.7),
            (36, 95.1),
            (48, 102.7),
            (60, 109.4),
        ];
        for (sex, table) in [(Sex::Male, boys), (Sex::Female, girls)] {
            for (months, median) in table {
                let days = (f64::from(months) * DAYS_PER_MONTH).round() as u32;
                let got = height_for_z(sex, days, 0.0);
                assert!(
                    (got - median).abs() < 0.06,
                    "{sex:?} {months} mo: {got} vs {median}"
                );
            }
        }
    }

    #[test]
    fn minus_two_sd_at_two_years_matches_who_chart() {
        // WHO boys' length-for-age at 24 months (lying): -2 SD is 81.7 cm.
        let days = (23.99 * DAYS_PER_MONTH) as u32;
        let got = height_for_z(Sex::Male, days, -2.0);
        assert!((got - 81.7).abs() < 0.1, "{got}");
    }

    #[test]
    fn z_inverts_height() {
        for days in [0, 100, 700, 731, 1500, 1826] {
            let h = height_for_z(Sex::Female, days, -2.37);
            assert!((z_for_height(Sex::Female, days, h) + 2.37).abs() < 1e-9);
        }
    }
}

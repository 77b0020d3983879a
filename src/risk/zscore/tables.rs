//! The WHO 2006 LMS tables, embedded from `data/who2006/` (see its `SOURCE.md`).
//!
//! They are parsed once, on first use; a malformed embedded table is a build defect,
//! caught by the tests below, so parsing skips nothing silently: a bad row panics in
//! the test suite rather than shifting every later index.

use crate::model::Sex;
use std::sync::LazyLock;

/// One row's Box-Cox power `l`, median `m` and coefficient of variation `s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lms {
    pub l: f64,
    pub m: f64,
    pub s: f64,
}

/// A table for both sexes: rows for consecutive index steps from `first`.
#[derive(Debug)]
pub struct Table {
    /// The first index, in steps (days, or tenths of a centimetre).
    first: i64,
    male: Vec<Lms>,
    female: Vec<Lms>,
}

impl Table {
    fn parse(text: &str, scale: f64) -> Self {
        let mut table = Table {
            first: i64::MAX,
            male: Vec::new(),
            female: Vec::new(),
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let num = |i: usize| cols.get(i).and_then(|c| c.parse::<f64>().ok());
            let (Some(index), Some(l), Some(m), Some(s)) = (num(1), num(2), num(3), num(4)) else {
                continue;
            };
            let step = (index * scale).round() as i64;
            table.first = table.first.min(step);
            let rows = if cols[0] == "M" {
                &mut table.male
            } else {
                &mut table.female
            };
            rows.push(Lms { l, m, s });
        }
        table
    }

    fn rows(&self, sex: Sex) -> &[Lms] {
        match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        }
    }

    /// The row at index step `step` (a day, or a tenth of a centimetre).
    #[must_use]
    pub fn at(&self, sex: Sex, step: i64) -> Option<Lms> {
        let i = usize::try_from(step.checked_sub(self.first)?).ok()?;
        self.rows(sex).get(i).copied()
    }

    /// The LMS at `cm`, interpolated linearly between the two 0.1 cm rows around it
    /// (as WHO's igrowup does for measurements with more than one decimal).
    ///
    /// # Units
    /// Centimetres; `None` outside the table.
    #[must_use]
    pub fn at_cm(&self, sex: Sex, cm: f64) -> Option<Lms> {
        let tenths = cm * 10.0;
        let exact = tenths.round();
        if (tenths - exact).abs() < 1e-6 {
            return self.at(sex, exact as i64);
        }
        let lo = tenths.floor();
        let (a, b) = (self.at(sex, lo as i64)?, self.at(sex, lo as i64 + 1)?);
        let t = tenths - lo;
        let mix = |x: f64, y: f64| x + (y - x) * t;
        Some(Lms {
            l: mix(a.l, b.l),
            m: mix(a.m, b.m),
            s: mix(a.s, b.s),
        })
    }
}

/// Length/height-for-age by day, 0..=1826.
pub static LHFA: LazyLock<Table> =
    LazyLock::new(|| Table::parse(include_str!("../../../data/who2006/lhfa.csv"), 1.0));
/// Weight-for-age by day, 0..=1826.
pub static WFA: LazyLock<Table> =
    LazyLock::new(|| Table::parse(include_str!("../../../data/who2006/wfa.csv"), 1.0));
/// Weight-for-length (lying), 45.0..=110.0 cm by tenths.
pub static WFL: LazyLock<Table> =
    LazyLock::new(|| Table::parse(include_str!("../../../data/who2006/wfl.csv"), 10.0));
/// Weight-for-height (standing), 65.0..=120.0 cm by tenths.
pub static WFH: LazyLock<Table> =
    LazyLock::new(|| Table::parse(include_str!("../../../data/who2006/wfh.csv"), 10.0));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_complete_and_aligned() {
        for (table, first, len) in [
            (&*LHFA, 0, 1827),
            (&*WFA, 0, 1827),
            (&*WFL, 450, 651),
            (&*WFH, 650, 551),
        ] {
            assert_eq!(table.first, first);
            assert_eq!(table.male.len(), len);
            assert_eq!(table.female.len(), len);
        }
        // WHO lhfa boys day 0: M = 49.8842; wfl girls 45.0 cm: M = 2.4607.
        assert_eq!(LHFA.at(Sex::Male, 0).map(|r| r.m), Some(49.8842));
        assert_eq!(WFL.at_cm(Sex::Female, 45.0).map(|r| r.m), Some(2.4607));
        assert_eq!(WFH.at_cm(Sex::Male, 120.0).map(|r| r.m), Some(22.353));
        assert!(LHFA.at(Sex::Male, 1827).is_none());
        assert!(WFL.at_cm(Sex::Male, 44.9).is_none());
    }
}

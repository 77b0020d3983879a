//! The programmes' coverage as the public may see it: per village (and the records
//! outside every village) and for the city, how many of a programme's target it
//! reached and how many it did not, each count suppressed like the public map's.
//!
//! Per programme the published counts form a table: one row per area (reached,
//! unreached) and a total row. A reader may know these sums:
//! - each column: the areas' reached (unreached) add up to the total's;
//! - each row, when the programme's target is a count the public map already
//!   publishes (stunted children, households without a latrine, ...: see
//!   [`linked_field`]): reached + unreached is that count.
//!
//! So, after the primary suppression (1..k-1 as "<k"), an area whose linked count is
//! itself hidden on the public map gets one of its two counts hidden too (else their
//! sum would reveal it), and then every equation with exactly one hidden member gets
//! another ([`super::suppress::complete`]). The test suite attacks the result with a
//! linear program, together with the public map's own counts. Programmes that reach
//! villages (not people) are not published here.

use super::suppress::{self, Shown};
use super::{FIELDS, PublicView};
use crate::model::{Beneficiary, Need, Programme};
use crate::risk::coverage::Coverage;

/// One area's published (reached, unreached).
pub type Pair = [Shown; 2];

/// One programme's published figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeFigures {
    /// The programme's code.
    pub code: String,
    /// In the order of the village codes given to [`build`].
    pub villages: Vec<Pair>,
    /// The target outside every village.
    pub outside: Pair,
    pub total: Pair,
}

/// The public map's count field (index in [`FIELDS`]) that equals a programme's
/// target in every area, if any: a programme for stunted children has the published
/// `stunted` count as its target, one for households without a latrine (of no
/// particular target group) `no_latrine`.
#[must_use]
pub fn linked_field(p: &Programme) -> Option<usize> {
    let grouped = matches!(p.target, Beneficiary::Group(_));
    let name = match p.need() {
        Need::Stunted => "stunted",
        Need::Children => "children",
        Need::Households if !grouped => "households",
        Need::NoLatrine if !grouped => "no_latrine",
        Need::NoSafeWater if !grouped => "no_safe_water",
        Need::NoSanitation if !grouped => "no_sanitation",
        _ => return None,
    };
    FIELDS.iter().position(|f| *f == name)
}

/// The published coverage of `programmes` from `coverage` (one round's), with
/// `view` the public map of the same round (its hidden counts are protected here
/// too) and `village_codes` in the view's village order.
#[must_use]
pub fn build(
    coverage: &Coverage,
    programmes: &[Programme],
    view: &PublicView,
    village_codes: &[String],
) -> Vec<ProgrammeFigures> {
    programmes
        .iter()
        .filter(|p| p.need() != Need::Villages)
        .map(|p| programme(coverage, p, view, village_codes))
        .collect()
}

fn programme(
    coverage: &Coverage,
    p: &Programme,
    view: &PublicView,
    village_codes: &[String],
) -> ProgrammeFigures {
    let k = view.k;
    let pair = |reach: Option<&crate::risk::coverage::Reach>| {
        reach.map_or([0, 0], |r| {
            [
                u64::from(r.reached),
                u64::from(r.target.saturating_sub(r.reached)),
            ]
        })
    };
    // Rows: the villages, then outside, then the total.
    let mut rows: Vec<[u64; 2]> = village_codes
        .iter()
        .map(|c| pair(coverage.villages.get(c).and_then(|m| m.get(&p.code))))
        .collect();
    let total = pair(coverage.total.get(&p.code));
    let inside = rows.iter().fold([0, 0], |a, r| [a[0] + r[0], a[1] + r[1]]);
    rows.push([
        total[0].saturating_sub(inside[0]),
        total[1].saturating_sub(inside[1]),
    ]);
    rows.push(total);
    let values: Vec<u64> = rows.iter().flatten().copied().collect();
    let mut shown: Vec<Shown> = values.iter().map(|&v| suppress::primary(v, k)).collect();
    let n = rows.len();
    let areas = n - 1; // the villages and outside
    let mut equations: Vec<Vec<usize>> = (0..2)
        .map(|col| (0..n).map(|row| 2 * row + col).collect())
        .collect();
    if let Some(field) = linked_field(p) {
        let public_rows = view
            .villages
            .iter()
            .chain([&view.outside, &view.totals])
            .take(n);
        for (row, public) in public_rows.enumerate() {
            equations.push(vec![2 * row, 2 * row + 1]);
            let both_shown = matches!(shown[2 * row], Shown::Value(_))
                && matches!(shown[2 * row + 1], Shown::Value(_));
            if both_shown && !matches!(public[field], Shown::Value(_)) {
                // The two would add up to a count the map hides: hide the smaller.
                let i = if values[2 * row] <= values[2 * row + 1] {
                    2 * row
                } else {
                    2 * row + 1
                };
                shown[i] = if values[i] < k {
                    Shown::Small
                } else {
                    Shown::Hidden
                };
            }
        }
    }
    suppress::complete(&values, &mut shown, &equations, k);
    let pairs: Vec<Pair> = shown.chunks(2).map(|c| [c[0], c[1]]).collect();
    ProgrammeFigures {
        code: p.code.clone(),
        villages: pairs[..areas - 1].to_vec(),
        outside: pairs[areas - 1],
        total: pairs[areas],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Programme, ProgrammeKind};
    use crate::risk::coverage::Reach;
    use std::collections::BTreeMap;

    fn reach(target: u32, reached: u32) -> Reach {
        Reach {
            target,
            reached,
            ..Reach::default()
        }
    }

    fn pmt() -> Programme {
        Programme {
            code: "pmt".into(),
            name: "PMT".into(),
            kind: ProgrammeKind::Specific,
            target: Beneficiary::Child,
            need: None,
            by: None,
            unit: None,
            visit_item: None,
            sponsored: false,
        }
    }

    /// A public view whose `stunted` field shows `stunted` per village (outside 0).
    fn view(stunted: &[Shown]) -> PublicView {
        let row = |s: Shown| {
            let mut r = [Shown::Value(100); 7];
            r[1] = s;
            r
        };
        PublicView {
            k: 10,
            villages: stunted.iter().map(|s| row(*s)).collect(),
            outside: row(Shown::Value(0)),
            cells: BTreeMap::new(),
            totals: row(Shown::Value(100)),
        }
    }

    fn coverage(villages: &[(&str, Reach)]) -> Coverage {
        let mut c = Coverage::default();
        let (mut t, mut r) = (0, 0);
        for (code, reach) in villages {
            t += reach.target;
            r += reach.reached;
            c.villages.insert(
                (*code).to_owned(),
                BTreeMap::from([("pmt".to_owned(), reach.clone())]),
            );
        }
        c.total.insert("pmt".into(), self::reach(t, r));
        c
    }

    #[test]
    fn a_small_count_and_its_row_partner_are_hidden() {
        let codes = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let cov = coverage(&[
            ("a", reach(25, 22)),
            ("b", reach(40, 20)),
            ("c", reach(30, 15)),
        ]);
        let v = view(&[Shown::Value(25), Shown::Value(40), Shown::Value(30)]);
        let out = &build(&cov, &[pmt()], &v, &codes)[0];
        // a: 3 unreached is small; with the stunted count published, 22 reached
        // would give it away, so it is hidden too; the column of unreached then needs
        // a partner (b or c's), and so does the column of reached.
        assert_eq!(out.villages[0], [Shown::Hidden, Shown::Small]);
        let hidden = |col: usize| {
            out.villages
                .iter()
                .filter(|p| !matches!(p[col], Shown::Value(_)))
                .count()
                + usize::from(!matches!(out.outside[col], Shown::Value(_)))
        };
        assert!(hidden(0) >= 2 && hidden(1) >= 2, "{out:?}");
        assert_eq!(out.total, [Shown::Value(57), Shown::Value(38)]);
    }

    #[test]
    fn counts_adding_up_to_a_hidden_public_count_are_not_both_shown() {
        let codes = ["a".to_owned(), "b".to_owned()];
        // a: 12 stunted, hidden on the public map ("*"); PMT reached 0 and missed 12.
        let cov = coverage(&[("a", reach(12, 0)), ("b", reach(50, 30))]);
        let v = view(&[Shown::Hidden, Shown::Value(50)]);
        let out = &build(&cov, &[pmt()], &v, &codes)[0];
        assert!(
            out.villages[0]
                .iter()
                .any(|s| !matches!(s, Shown::Value(_))),
            "{out:?}"
        );
    }

    #[test]
    fn only_ungrouped_people_programmes_link_to_a_public_count() {
        assert_eq!(linked_field(&pmt()), Some(1));
        let bumil = Programme {
            target: Beneficiary::Group(crate::model::TargetGroup::Bumil),
            ..pmt()
        };
        assert_eq!(linked_field(&bumil), None);
    }
}

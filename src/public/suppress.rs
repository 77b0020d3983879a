//! Small-count suppression with complementary suppression, on one count field.
//!
//! Published areas come in two partitions of the same records: villages and the H3
//! cells of one resolution. Each record joins its village and its cell, so in every
//! connected group of villages and cells linked by records the village values and the
//! cell values have the same sum, and the city total is both sums. Steps:
//! 1. primary: every value 1..k-1 is hidden ("<k");
//! 2. complementary: in every such equation (city villages = total, city cells =
//!    total, each connected group's villages = its cells), a side with exactly one
//!    hidden value would give it away, so one more value of that side is hidden: a
//!    zero first (shown "<k" too, which is true), else the smallest;
//! 3. repeat until no equation changes.
//!
//! The test suite checks the result with a linear program (scipy): no hidden value is
//! determined by the published ones.

use std::collections::HashMap;

/// How a value is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The number itself (0 or at least k).
    Value(u64),
    /// Hidden, 0..k-1: shown as "<k".
    Small,
    /// Hidden to protect another, at least k: shown as "*".
    Hidden,
}

/// Which equation side an area is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Village(usize),
    Cell(usize),
}

/// Decides what to publish for `villages` and, per resolution, `cells[r]` values (one
/// field) linked by `edges[r]`, the (village, cell) pairs that hold records. Villages
/// are shared by every resolution, so they are protected against all at once.
#[must_use]
pub fn suppress(
    villages: &[u64],
    cells: &[Vec<u64>],
    edges: &[Vec<(usize, usize)>],
    k: u64,
) -> (Vec<Shown>, Vec<Vec<Shown>>) {
    let primary = |v: u64| {
        if v > 0 && v < k {
            Shown::Small
        } else {
            Shown::Value(v)
        }
    };
    let mut sv: Vec<Shown> = villages.iter().map(|&v| primary(v)).collect();
    let mut sc: Vec<Vec<Shown>> = cells
        .iter()
        .map(|layer| layer.iter().map(|&v| primary(v)).collect())
        .collect();
    let groups: Vec<_> = cells
        .iter()
        .zip(edges)
        .map(|(layer, e)| equations(villages.len(), layer.len(), e))
        .collect();
    loop {
        let mut changed = false;
        for (r, layer_groups) in groups.iter().enumerate() {
            for (vs, cs) in layer_groups {
                changed |= protect(vs, villages, &mut sv, k);
                changed |= protect(cs, &cells[r], &mut sc[r], k);
            }
        }
        if !changed {
            break;
        }
    }
    (sv, sc)
}

/// How a value is first published: 1..k-1 hidden as "<k", anything else shown.
#[must_use]
pub fn primary(v: u64, k: u64) -> Shown {
    if v > 0 && v < k {
        Shown::Small
    } else {
        Shown::Value(v)
    }
}

/// Complementary suppression over any `equations` (each a list of indices into
/// `values` whose sum a reader may know): in every equation with exactly one hidden
/// member one more is hidden, until none changes. `shown` comes in with the primary
/// suppression (and anything the caller hid already) and goes out complete.
pub fn complete(values: &[u64], shown: &mut [Shown], equations: &[Vec<usize>], k: u64) {
    while equations
        .iter()
        .fold(false, |changed, e| protect(e, values, shown, k) | changed)
    {}
}

/// One side of an equation: if exactly one member is hidden, hides one more (a zero
/// first, else the smallest). Returns whether it changed anything.
fn protect(members: &[usize], values: &[u64], shown: &mut [Shown], k: u64) -> bool {
    let hidden = members
        .iter()
        .filter(|&&i| !matches!(shown[i], Shown::Value(_)))
        .count();
    if hidden != 1 {
        return false;
    }
    let pick = members
        .iter()
        .copied()
        .filter(|&i| matches!(shown[i], Shown::Value(_)))
        .min_by_key(|&i| (values[i] != 0, values[i], i));
    match pick {
        Some(i) => {
            shown[i] = if values[i] < k {
                Shown::Small
            } else {
                Shown::Hidden
            };
            true
        }
        None => false,
    }
}

/// The equations as (villages, cells) index lists: each connected group of villages
/// and cells linked by records, then the whole city.
fn equations(nv: usize, nc: usize, edges: &[(usize, usize)]) -> Vec<(Vec<usize>, Vec<usize>)> {
    // Union-find over villages 0..nv and cells nv..nv+nc.
    let mut parent: Vec<usize> = (0..nv + nc).collect();
    for &(v, c) in edges {
        let (a, b) = (find(&mut parent, v), find(&mut parent, nv + c));
        if a != b {
            parent[a] = b;
        }
    }
    let mut groups: HashMap<usize, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for v in 0..nv {
        let r = find(&mut parent, v);
        groups.entry(r).or_default().0.push(v);
    }
    for c in 0..nc {
        let r = find(&mut parent, nv + c);
        groups.entry(r).or_default().1.push(c);
    }
    // The small groups first, so a partner is found near the value it protects; the
    // whole city last.
    let mut out: Vec<_> = groups.into_values().collect();
    out.sort();
    out.push(((0..nv).collect(), (0..nc).collect()));
    out
}

/// The root of `x` in a union-find forest, halving paths on the way.
fn find(p: &mut [usize], mut x: usize) -> usize {
    while p[x] != x {
        p[x] = p[p[x]];
        x = p[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_hidden_and_a_lone_one_gets_a_partner() {
        // Two villages, four cells; cells 0,1 only in village 0, cells 2,3 in village 1.
        let edges = vec![vec![(0, 0), (0, 1), (1, 2), (1, 3)]];
        let (v, c) = suppress(&[25, 40], &[vec![3, 22, 20, 20]], &edges, 10);
        assert_eq!(v, [Shown::Value(25), Shown::Value(40)]);
        // Cell 0 (3) alone hidden in village 0's group: cell 1 (22) is hidden too.
        assert_eq!(
            c[0],
            [
                Shown::Small,
                Shown::Hidden,
                Shown::Value(20),
                Shown::Value(20)
            ]
        );
    }

    #[test]
    fn zeros_are_preferred_as_partners() {
        let edges = vec![vec![(0, 0), (0, 1), (0, 2)]];
        let (_, c) = suppress(&[25], &[vec![5, 0, 20]], &edges, 10);
        assert_eq!(c[0], [Shown::Small, Shown::Small, Shown::Value(20)]);
    }

    #[test]
    fn the_city_equation_protects_a_lone_hidden_village() {
        // One cell holds both villages: villages 3 and 30 sum to the cell's 33.
        let (v, c) = suppress(&[3, 30], &[vec![33]], &[vec![(0, 0), (1, 0)]], 10);
        assert_eq!(v, [Shown::Small, Shown::Hidden]);
        assert_eq!(c[0], [Shown::Value(33)]);
    }
}

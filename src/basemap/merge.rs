//! Joining the pieces of one street: OpenStreetMap splits a street into many ways
//! (at every change of tag, bridge or bus route; the demo at every grid link), and a
//! label needs the street's length to fit. Ways of the same class and name that meet
//! end to end are chained into one line; a fork or a crossing ends a chain.

use super::RoadClass;
use geo::{Coord, LineString};
use std::collections::HashMap;

/// An end point as a hashable key (exact: pieces of one street share their node).
fn key(c: Coord<f64>) -> (u64, u64) {
    (c.x.to_bits(), c.y.to_bits())
}

/// The roads with the named pieces of each `(class, name)` chained end to end;
/// unnamed roads are left as they are.
///
/// # Units
/// Any coordinates; ends are compared exactly.
pub(crate) fn merge_streets(
    roads: Vec<(RoadClass, String, LineString<f64>)>,
) -> Vec<(RoadClass, String, LineString<f64>)> {
    let mut out = Vec::with_capacity(roads.len());
    let mut groups: HashMap<(RoadClass, String), Vec<Vec<Coord<f64>>>> = HashMap::new();
    for (class, name, line) in roads {
        if name.is_empty() || line.0.len() < 2 {
            out.push((class, name, line));
        } else {
            groups.entry((class, name)).or_default().push(line.0);
        }
    }
    let mut keys: Vec<(RoadClass, String)> = groups.keys().cloned().collect();
    keys.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    for k in keys {
        let pieces = groups.remove(&k).unwrap_or_default();
        for line in chain(&pieces) {
            out.push((k.0, k.1.clone(), LineString::new(line)));
        }
    }
    out
}

/// Chains pieces that meet at an end shared by exactly two pieces.
fn chain(pieces: &[Vec<Coord<f64>>]) -> Vec<Vec<Coord<f64>>> {
    let mut ends: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, p) in pieces.iter().enumerate() {
        for c in [p[0], p[p.len() - 1]] {
            ends.entry(key(c)).or_default().push(i);
        }
    }
    // The other piece meeting piece `i` at `c`, when exactly two meet there.
    let partner = |i: usize, c: Coord<f64>| -> Option<usize> {
        match ends.get(&key(c)).map(Vec::as_slice) {
            Some([a, b]) if *a != *b => Some(if *a == i { *b } else { *a }),
            _ => None,
        }
    };
    let mut used = vec![false; pieces.len()];
    let mut out = Vec::new();
    for start in 0..pieces.len() {
        if used[start] {
            continue;
        }
        // Walk back to the start of this chain (stopping on a loop).
        let (mut first, mut at) = (start, pieces[start][0]);
        while let Some(prev) = partner(first, at).filter(|p| *p != start && !used[*p]) {
            let p = &pieces[prev];
            at = if key(p[p.len() - 1]) == key(at) {
                p[0]
            } else {
                p[p.len() - 1]
            };
            first = prev;
            if first == start {
                break;
            }
        }
        // Walk forward from `at`, appending each piece in the right direction.
        let mut line: Vec<Coord<f64>> = Vec::new();
        let mut next = Some(first);
        while let Some(i) = next.filter(|i| !used[*i]) {
            used[i] = true;
            let p = &pieces[i];
            let forward = key(p[0]) == key(at);
            let iter: Box<dyn Iterator<Item = &Coord<f64>>> = if forward {
                Box::new(p.iter())
            } else {
                Box::new(p.iter().rev())
            };
            let skip = usize::from(!line.is_empty());
            line.extend(iter.skip(skip));
            at = line[line.len() - 1];
            next = partner(i, at);
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::line_string;

    #[test]
    fn pieces_of_one_street_join_and_a_fork_ends_a_chain() {
        let name = || "Jl. Mawar".to_owned();
        let r = RoadClass::Residential;
        let roads = vec![
            (r, name(), line_string![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0)]),
            (r, name(), line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)]),
            // Reversed piece.
            (r, name(), line_string![(x: 3.0, y: 0.0), (x: 2.0, y: 0.0)]),
            // A fork at (3, 0): three pieces meet, so the chain stops there.
            (r, name(), line_string![(x: 3.0, y: 0.0), (x: 4.0, y: 0.0)]),
            (r, name(), line_string![(x: 3.0, y: 0.0), (x: 3.0, y: 1.0)]),
            (
                r,
                String::new(),
                line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0)],
            ),
            (
                RoadClass::Primary,
                name(),
                line_string![(x: 2.0, y: 0.0), (x: 2.0, y: 5.0)],
            ),
        ];
        let merged = merge_streets(roads);
        assert_eq!(merged.len(), 5, "{merged:?}");
        let long = merged
            .iter()
            .find(|(c, n, l)| *c == r && !n.is_empty() && l.0.len() == 4)
            .expect("one chain of three pieces");
        let xs: Vec<f64> = long.2.0.iter().map(|c| c.x).collect();
        assert!(
            xs == [0.0, 1.0, 2.0, 3.0] || xs == [3.0, 2.0, 1.0, 0.0],
            "{xs:?}"
        );
    }
}

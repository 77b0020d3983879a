//! The transportation problem behind sharing children among teams: each child goes to
//! exactly one team, team `j` takes at most (or exactly) `need[j]` children, and the
//! total cost (travel time from the team's centre) is least.
//!
//! Solved exactly as a minimum-cost flow (source → child → team → sink) by successive
//! shortest paths with Dijkstra on reduced costs (Johnson potentials): one child per
//! augmentation, n augmentations over n·k child-team arcs. Fine for the hundreds to a
//! few thousand children a city divides at once.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: usize,
    cap: i32,
    cost: f64,
}

struct Graph {
    arcs: Vec<Arc>,
    out: Vec<Vec<usize>>,
}

impl Graph {
    fn add(&mut self, from: usize, to: usize, cap: i32, cost: f64) {
        self.out[from].push(self.arcs.len());
        self.arcs.push(Arc { to, cap, cost });
        self.out[to].push(self.arcs.len());
        self.arcs.push(Arc {
            to: from,
            cap: 0,
            cost: -cost,
        });
    }
}

#[derive(PartialEq)]
struct Label(f64, usize);
impl Eq for Label {}
impl Ord for Label {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then_with(|| o.1.cmp(&self.1))
    }
}
impl PartialOrd for Label {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The team of each child (`cost[team][child]`, finite and non-negative), each team
/// taking at most `limit[team]` children; `None` when the limits hold fewer than the
/// children. With `Σ limit = n` every team gets exactly its limit.
#[must_use]
pub fn transport(cost: &[Vec<f64>], limit: &[usize]) -> Option<Vec<usize>> {
    let teams = cost.len();
    let items = cost.first().map_or(0, Vec::len);
    if limit.iter().sum::<usize>() < items {
        return None;
    }
    let (source, sink) = (items + teams, items + teams + 1);
    let mut graph = Graph {
        arcs: Vec::with_capacity(2 * (items * teams + items + teams)),
        out: vec![Vec::new(); items + teams + 2],
    };
    for i in 0..items {
        graph.add(source, i, 1, 0.0);
    }
    for (j, row) in cost.iter().enumerate() {
        for (i, c) in row.iter().enumerate() {
            graph.add(i, items + j, 1, *c);
        }
    }
    for (j, l) in limit.iter().enumerate() {
        graph.add(items + j, sink, *l as i32, 0.0);
    }
    let nodes = items + teams + 2;
    let mut potential = vec![0.0f64; nodes];
    let mut dist = vec![f64::INFINITY; nodes];
    let mut via = vec![usize::MAX; nodes];
    for _ in 0..items {
        dist.fill(f64::INFINITY);
        via.fill(usize::MAX);
        dist[source] = 0.0;
        let mut heap = BinaryHeap::from([Label(0.0, source)]);
        while let Some(Label(d, v)) = heap.pop() {
            if d > dist[v] {
                continue;
            }
            for &a in &graph.out[v] {
                let arc = graph.arcs[a];
                if arc.cap <= 0 {
                    continue;
                }
                // Reduced costs are non-negative up to rounding.
                let reduced = (arc.cost + potential[v] - potential[arc.to]).max(0.0);
                let nd = d + reduced;
                if nd < dist[arc.to] {
                    dist[arc.to] = nd;
                    via[arc.to] = a;
                    heap.push(Label(nd, arc.to));
                }
            }
        }
        if !dist[sink].is_finite() {
            return None;
        }
        for (p, d) in potential.iter_mut().zip(&dist) {
            if d.is_finite() {
                *p += d;
            }
        }
        let mut v = sink;
        while v != source {
            let a = via[v];
            graph.arcs[a].cap -= 1;
            graph.arcs[a ^ 1].cap += 1;
            v = graph.arcs[a ^ 1].to;
        }
    }
    // The team of child i is the one whose arc from i is used.
    Some(
        (0..items)
            .map(|i| {
                graph.out[i]
                    .iter()
                    .map(|&a| graph.arcs[a])
                    .find(|arc| {
                        arc.to >= items && arc.to < items + teams && arc.cap == 0 && arc.cost >= 0.0
                    })
                    .map_or(0, |arc| arc.to - items)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The least total over every assignment meeting the limits (small cases).
    fn brute(cost: &[Vec<f64>], limit: &[usize]) -> f64 {
        fn go(i: usize, cost: &[Vec<f64>], left: &mut Vec<usize>, acc: f64, best: &mut f64) {
            let n = cost[0].len();
            if i == n {
                *best = best.min(acc);
                return;
            }
            for j in 0..cost.len() {
                if left[j] > 0 {
                    left[j] -= 1;
                    go(i + 1, cost, left, acc + cost[j][i], best);
                    left[j] += 1;
                }
            }
        }
        let mut best = f64::INFINITY;
        go(0, cost, &mut limit.to_vec(), 0.0, &mut best);
        best
    }

    #[test]
    fn equals_brute_force_on_small_cases() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as f64 / f64::from(1u32 << 31)
        };
        for case in 0..40 {
            let (k, n) = (2 + case % 3, 4 + case % 5);
            let cost: Vec<Vec<f64>> = (0..k)
                .map(|_| (0..n).map(|_| (next() * 100.0).floor()).collect())
                .collect();
            let mut limit = vec![n / k; k];
            for l in limit.iter_mut().take(n % k) {
                *l += 1;
            }
            if case % 2 == 1 {
                limit[0] += 2; // slack: at most, not exactly
            }
            let got = transport(&cost, &limit).expect("feasible");
            let mut used = vec![0; k];
            for j in &got {
                used[*j] += 1;
            }
            assert!(
                used.iter().zip(&limit).all(|(u, l)| u <= l),
                "{used:?} {limit:?}"
            );
            let total: f64 = got.iter().enumerate().map(|(i, j)| cost[*j][i]).sum();
            let want = brute(&cost, &limit);
            assert!(
                (total - want).abs() < 1e-9,
                "case {case}: {total} vs {want}"
            );
        }
    }

    #[test]
    fn too_little_room_is_none() {
        assert!(transport(&[vec![1.0, 2.0, 3.0]], &[2]).is_none());
    }
}

//! Ordering a day's stops: the shortest path from a start through every stop to an
//! end, on a travel-time matrix that need not be symmetric (one-way streets).
//!
//! - Up to [`EXACT_MAX`] stops: exact, by dynamic programming over subsets
//!   (Held-Karp), so a small day is always optimal.
//! - More stops: cheapest insertion, then local search (2-opt with segment reversal
//!   costed in both directions, and or-opt moves of 1 to 3 stops), then iterated local
//!   search: a fixed number of double-bridge kicks from a seeded generator, keeping
//!   the best tour. Deterministic: the same matrix gives the same tour.

/// Largest number of stops solved exactly (2^12 × 12² steps).
pub const EXACT_MAX: usize = 12;
/// Double-bridge kicks of the iterated local search.
const KICKS: usize = 400;

/// Seconds of the path `start → order… → end`.
#[must_use]
pub fn cost(m: &[Vec<f64>], start: usize, end: usize, order: &[usize]) -> f64 {
    let mut at = start;
    let mut total = 0.0;
    for &s in order.iter().chain(std::iter::once(&end)) {
        total += m[at][s];
        at = s;
    }
    total
}

/// The order of `stops` (indices into `m`) that makes `start → stops → end` shortest
/// (exact up to [`EXACT_MAX`] stops, near-shortest beyond).
#[must_use]
pub fn order(m: &[Vec<f64>], start: usize, end: usize, stops: &[usize]) -> Vec<usize> {
    if stops.len() <= 1 {
        return stops.to_vec();
    }
    if stops.len() <= EXACT_MAX {
        return held_karp(m, start, end, stops);
    }
    let mut seq: Vec<usize> = Vec::with_capacity(stops.len() + 2);
    seq.push(start);
    seq.extend(insertion(m, start, end, stops));
    seq.push(end);
    improve(m, &mut seq);
    let mut best = seq.clone();
    let mut best_cost = path_cost(m, &best);
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ stops.len() as u64;
    let inner = stops.len();
    if inner >= 8 {
        for _ in 0..KICKS {
            let mut trial = best.clone();
            double_bridge(&mut trial, &mut rng);
            improve(m, &mut trial);
            let c = path_cost(m, &trial);
            if c < best_cost - 1e-9 {
                best = trial;
                best_cost = c;
            }
        }
    }
    best[1..best.len() - 1].to_vec()
}

fn path_cost(m: &[Vec<f64>], seq: &[usize]) -> f64 {
    seq.windows(2).map(|w| m[w[0]][w[1]]).sum()
}

/// Exact: `best[mask][j]` = least time from `start` through the stops in `mask`,
/// ending at stop `j`.
fn held_karp(m: &[Vec<f64>], start: usize, end: usize, stops: &[usize]) -> Vec<usize> {
    let n = stops.len();
    let full = (1usize << n) - 1;
    let mut best = vec![f64::INFINITY; (1 << n) * n];
    let mut from = vec![usize::MAX; (1 << n) * n];
    for j in 0..n {
        best[(1 << j) * n + j] = m[start][stops[j]];
    }
    for mask in 1..=full {
        for j in 0..n {
            let here = best[mask * n + j];
            if mask & (1 << j) == 0 || !here.is_finite() {
                continue;
            }
            for k in 0..n {
                if mask & (1 << k) != 0 {
                    continue;
                }
                let next = mask | (1 << k);
                let c = here + m[stops[j]][stops[k]];
                if c < best[next * n + k] {
                    best[next * n + k] = c;
                    from[next * n + k] = j;
                }
            }
        }
    }
    let last = (0..n)
        .min_by(|&a, &b| {
            (best[full * n + a] + m[stops[a]][end])
                .total_cmp(&(best[full * n + b] + m[stops[b]][end]))
        })
        .unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    let (mut mask, mut j) = (full, last);
    while j != usize::MAX {
        out.push(stops[j]);
        let prev = from[mask * n + j];
        mask &= !(1 << j);
        j = prev;
    }
    out.reverse();
    out
}

/// Cheapest insertion, stops taken in the order given.
fn insertion(m: &[Vec<f64>], start: usize, end: usize, stops: &[usize]) -> Vec<usize> {
    let mut seq = vec![start, end];
    for &s in stops {
        let (pos, _) = (0..seq.len() - 1)
            .map(|i| (i, m[seq[i]][s] + m[s][seq[i + 1]] - m[seq[i]][seq[i + 1]]))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        seq.insert(pos + 1, s);
    }
    seq[1..seq.len() - 1].to_vec()
}

/// 2-opt and or-opt until no move improves `seq` (start and end fixed).
fn improve(m: &[Vec<f64>], seq: &mut Vec<usize>) {
    while two_opt(m, seq) || or_opt(m, seq) {}
}

/// One improving segment reversal, if any (first found).
fn two_opt(m: &[Vec<f64>], seq: &mut [usize]) -> bool {
    let len = seq.len();
    // fwd[i] = Σ_{t<i} m[seq[t]][seq[t+1]], bwd the same against the direction.
    let mut fwd = vec![0.0; len];
    let mut bwd = vec![0.0; len];
    for t in 1..len {
        fwd[t] = fwd[t - 1] + m[seq[t - 1]][seq[t]];
        bwd[t] = bwd[t - 1] + m[seq[t]][seq[t - 1]];
    }
    for i in 1..len - 2 {
        for j in i + 1..len - 1 {
            let old = m[seq[i - 1]][seq[i]] + (fwd[j] - fwd[i]) + m[seq[j]][seq[j + 1]];
            let new = m[seq[i - 1]][seq[j]] + (bwd[j] - bwd[i]) + m[seq[i]][seq[j + 1]];
            if new < old - 1e-9 {
                seq[i..=j].reverse();
                return true;
            }
        }
    }
    false
}

/// One improving move of 1 to 3 consecutive stops elsewhere, if any.
fn or_opt(m: &[Vec<f64>], seq: &mut Vec<usize>) -> bool {
    let len = seq.len();
    for seg in 1..=3usize {
        for i in 1..len.saturating_sub(seg) {
            let last = i + seg - 1; // segment seq[i..=last]
            if last >= len - 1 {
                break;
            }
            let (before, after) = (seq[i - 1], seq[last + 1]);
            let removed = m[before][seq[i]] + m[seq[last]][after] - m[before][after];
            for p in 0..len - 1 {
                if p + 1 >= i && p <= last {
                    continue; // inside or next to the segment
                }
                let (left, right) = (seq[p], seq[p + 1]);
                let added = m[left][seq[i]] + m[seq[last]][right] - m[left][right];
                if added < removed - 1e-9 {
                    let moved: Vec<usize> = seq.drain(i..=last).collect();
                    let at = if p < i { p + 1 } else { p + 1 - seg };
                    seq.splice(at..at, moved);
                    return true;
                }
            }
        }
    }
    false
}

/// Cuts the inner stops into four runs A B C D and rejoins them A C B D.
fn double_bridge(seq: &mut [usize], rng: &mut u64) {
    let inner = seq.len() - 2;
    let mut cut = [0usize; 3];
    for c in &mut cut {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *c = 1 + (*rng % (inner as u64 - 1)) as usize;
    }
    cut.sort_unstable();
    let [p, q, r] = cut;
    if p == q || q == r {
        return;
    }
    let body = &mut seq[1..=inner];
    let mut joined = Vec::with_capacity(inner);
    joined.extend_from_slice(&body[..p]);
    joined.extend_from_slice(&body[q..r]);
    joined.extend_from_slice(&body[p..q]);
    joined.extend_from_slice(&body[r..]);
    body.copy_from_slice(&joined);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::many_single_char_names)]
    fn matrix(n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut s = seed;
        let mut pts = Vec::new();
        for _ in 0..n {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let x = (s >> 40) as f64;
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let y = (s >> 40) as f64;
            pts.push((x, y));
        }
        // Asymmetric: going "north" costs 30% more.
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let (a, b) = (pts[i], pts[j]);
                        let d = (a.0 - b.0).hypot(a.1 - b.1);
                        if b.1 > a.1 { d * 1.3 } else { d }
                    })
                    .collect()
            })
            .collect()
    }

    fn brute(m: &[Vec<f64>], start: usize, end: usize, stops: &mut Vec<usize>) -> f64 {
        fn go(
            m: &[Vec<f64>],
            start: usize,
            end: usize,
            s: &mut Vec<usize>,
            k: usize,
            best: &mut f64,
        ) {
            if k == s.len() {
                *best = best.min(cost(m, start, end, s));
                return;
            }
            for i in k..s.len() {
                s.swap(k, i);
                go(m, start, end, s, k + 1, best);
                s.swap(k, i);
            }
        }
        let mut best = f64::INFINITY;
        go(m, start, end, stops, 0, &mut best);
        best
    }

    #[test]
    fn small_days_are_exact() {
        for n in 2..=8 {
            let m = matrix(n + 2, n as u64);
            let mut stops: Vec<usize> = (2..n + 2).collect();
            let got = order(&m, 0, 1, &stops);
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, stops);
            let want = brute(&m, 0, 1, &mut stops);
            assert!((cost(&m, 0, 1, &got) - want).abs() < 1e-6, "n {n}");
        }
    }

    #[test]
    fn large_days_visit_every_stop_once_and_beat_insertion() {
        let m = matrix(62, 99);
        let stops: Vec<usize> = (1..61).collect();
        let got = order(&m, 0, 0, &stops);
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, stops);
        let start = cost(&m, 0, 0, &insertion(&m, 0, 0, &stops));
        assert!(cost(&m, 0, 0, &got) < start);
    }
}

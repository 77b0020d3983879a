//! `sigap bench recompute`: every aggregate, smoothing and hot spot recomputed for
//! several measurement rounds of synthetic children over the demo city.
//!
//! Steps per round: generate the round's children ([`super::synthetic`], not timed);
//! time [`Analysis::compute`] on the demo's villages, households, facilities and
//! population raster with those children (villages, H3 cells at resolutions 5-10,
//! counts, puskesmas distances, spatial and global Empirical Bayes, Gi* with FDR,
//! scores); then time parts of it again alone: its two counting steps (children into
//! villages, into cells), and per resolution the neighbour lists from the cell ids
//! (k from the config, 1 by default), smoothing with Gi* and FDR
//! ([`per_area_with`]), and Gi* alone, checking that they reproduce the analysis
//! exactly. With `--out`, each round and resolution's cells, counts, neighbour lists
//! (as Gi* used them), values and z go to a JSON file for `benches/recompute.py`,
//! which times PySAL on the same numbers.
//!
//! Output: one JSON line per round, then a total with the peak resident memory.

use super::synthetic::{Rounds, round_period};
use anyhow::{Context, Result, bail};
use h3o::{CellIndex, Resolution};
use rayon::prelude::*;
use sigap::analysis::spatial_stats::per_area_with;
use sigap::analysis::{Analysis, HexStats};
use sigap::config::Config;
use sigap::index::VillageIndex;
use sigap::index::hex::{RESOLUTIONS, aggregate};
use sigap::index::neighbours::cell_neighbours;
use sigap::model::Counts;
use sigap::risk::hotspot::getis_ord_gi_star;
use sigap::store::Dataset;
use std::path::Path;
use std::time::Instant;

/// Seconds of the spatial part at one resolution, and its size.
#[derive(Debug, Clone, serde::Serialize)]
struct SpatialTiming {
    res: u8,
    /// Cells of the analysis (with children, households or population).
    cells: usize,
    /// Cells with children: the areas smoothed and tested.
    tested: usize,
    neighbours_s: f64,
    /// Global and spatial Empirical Bayes, Gi*, Benjamini-Hochberg, classes.
    smoothing_gi_s: f64,
    gi_star_s: f64,
    hot: usize,
}

/// Runs the benchmark over `periods` rounds of `children` children each.
pub fn run(periods: u32, children: usize, seed: u64, out: Option<&Path>) -> Result<()> {
    let mut data = sigap::demo::default_demo_store()?.load()?;
    let config = Config::default();
    let rounds = Rounds::new(&data.households, seed);
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut total_compute = 0.0;
    let mut total_spatial = 0.0;
    for k in 0..periods {
        // The previous round's children go first: one round in memory at a time.
        data.children = Vec::new();
        let t = Instant::now();
        data.children = rounds.children(k, children);
        let generate_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let analysis = Analysis::compute(&data, &config);
        let compute_s = t.elapsed().as_secs_f64();
        if analysis.totals.children as usize != children {
            bail!(
                "round {k}: counted {} children of {children}",
                analysis.totals.children
            );
        }
        let (villages_s, cells_s) = counting(&data);
        let label = round_period(k).to_string();
        let mut timings = Vec::new();
        for (res, list) in &analysis.hexes {
            let (timing, export) = spatial(*res, list, &config)?;
            if let Some(dir) = out {
                let path = dir.join(format!("{label}-res{}.json", timing.res));
                let doc = serde_json::json!({"period": label, "res": timing.res, "timing": timing, "data": export});
                std::fs::write(&path, serde_json::to_vec(&doc)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            timings.push(timing);
        }
        let spatial_s: f64 = timings
            .iter()
            .map(|t| t.neighbours_s + t.smoothing_gi_s)
            .sum();
        total_compute += compute_s;
        total_spatial += spatial_s;
        println!(
            "{}",
            serde_json::json!({
                "bench": "recompute",
                "period": label,
                "children": children,
                "stunted": analysis.totals.stunted,
                "threads": rayon::current_num_threads(),
                "generate_s": generate_s,
                "compute_s": compute_s,
                "villages_s": villages_s,
                "cells_s": cells_s,
                "spatial_s": spatial_s,
                "resolutions": timings,
            })
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "recompute_total",
            "periods": periods,
            "children_per_period": children,
            "threads": rayon::current_num_threads(),
            "compute_s": total_compute,
            "spatial_s": total_spatial,
            "peak_rss_mib": peak_rss_mib(),
        })
    );
    Ok(())
}

/// Seconds of the two counting steps of [`Analysis::compute`], run again alone: each
/// child's village (R-tree and point in polygon), and its cell at each resolution.
fn counting(data: &Dataset) -> (f64, f64) {
    let t = Instant::now();
    let index = VillageIndex::new(&data.villages);
    let located: Vec<Option<usize>> = data
        .children
        .par_iter()
        .map(|c| index.locate(c.location))
        .collect();
    let villages_s = t.elapsed().as_secs_f64();
    std::hint::black_box(located);
    let t = Instant::now();
    for res in RESOLUTIONS {
        std::hint::black_box(aggregate(
            &data.children,
            res,
            |c| c.location,
            |n, c| {
                n.add_child(c);
            },
        ));
    }
    (villages_s, t.elapsed().as_secs_f64())
}

/// The cells, counts, neighbour lists, values and Gi* z of one resolution, as
/// [`per_area_with`] used them: only cells with children, neighbours among those.
#[derive(Debug, serde::Serialize)]
struct Export {
    cells: Vec<String>,
    events: Vec<u32>,
    bases: Vec<u32>,
    neighbours: Vec<Vec<usize>>,
    /// Globally smoothed prevalence, the values Gi* runs on.
    y: Vec<f64>,
    gi_z: Vec<f64>,
}

/// Times the spatial part at one resolution again and checks it against the analysis.
fn spatial(res: Resolution, list: &[HexStats], config: &Config) -> Result<(SpatialTiming, Export)> {
    let cells: Vec<CellIndex> = list.iter().map(|h| h.cell).collect();
    let counts: Vec<Counts> = list.iter().map(|h| h.stats.counts).collect();
    let t = Instant::now();
    let hood = cell_neighbours(&cells, config.spatial.k);
    let neighbours_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let spatial = per_area_with(&counts, &hood, f64::from(config.spatial.min_children));
    let smoothing_gi_s = t.elapsed().as_secs_f64();
    if spatial.iter().zip(list).any(|(s, h)| *s != h.stats.spatial) {
        bail!("res {res}: smoothing and Gi* differ from the analysis's");
    }

    // The kept areas and their lists, exactly as `per_area_with` builds them.
    let kept: Vec<usize> = (0..list.len())
        .filter(|&i| counts[i].children > 0)
        .collect();
    let mut position = vec![None; list.len()];
    for (k, &i) in kept.iter().enumerate() {
        position[i] = Some(k);
    }
    let neighbours: Vec<Vec<usize>> = kept
        .iter()
        .map(|&i| hood[i].iter().filter_map(|&j| position[j]).collect())
        .collect();
    let of = |i: usize| {
        list[i]
            .stats
            .spatial
            .context("a cell with children has Gi*")
    };
    let y = kept
        .iter()
        .map(|&i| of(i).map(|s| s.prevalence_global))
        .collect::<Result<Vec<f64>>>()?;
    let gi_z = kept
        .iter()
        .map(|&i| of(i).map(|s| s.gi_z))
        .collect::<Result<Vec<f64>>>()?;
    let t = Instant::now();
    let gi = if y.is_empty() {
        Vec::new()
    } else {
        getis_ord_gi_star(&y, &neighbours)
    };
    let gi_star_s = t.elapsed().as_secs_f64();
    // The same sums in the same order: bit for bit.
    if gi
        .iter()
        .zip(&gi_z)
        .any(|(g, z)| g.z.to_bits() != z.to_bits())
    {
        bail!("res {res}: Gi* alone differs from the analysis's");
    }
    let timing = SpatialTiming {
        res: u8::from(res),
        cells: list.len(),
        tested: kept.len(),
        neighbours_s,
        smoothing_gi_s,
        gi_star_s,
        hot: spatial
            .iter()
            .flatten()
            .filter(|s| s.hotspot.label().starts_with("hot"))
            .count(),
    };
    let export = Export {
        cells: kept.iter().map(|&i| list[i].cell.to_string()).collect(),
        events: kept.iter().map(|&i| counts[i].stunted).collect(),
        bases: kept.iter().map(|&i| counts[i].children).collect(),
        neighbours,
        y,
        gi_z,
    };
    Ok((timing, export))
}

/// The process's peak resident memory (`VmHWM` in `/proc/self/status`), `None` where
/// the kernel does not say.
pub(super) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_deterministic_and_every_child_is_counted() {
        let mut data = sigap::demo::default_demo_store()
            .expect("demo store")
            .load()
            .expect("load");
        let rounds = Rounds::new(&data.households, 7);
        let a = rounds.children(1, 3_000);
        assert_eq!(a, rounds.children(1, 3_000), "same seed, same round");
        assert_eq!(a, Rounds::new(&data.households, 7).children(1, 3_000));
        assert_ne!(a, rounds.children(2, 3_000), "rounds differ");
        assert_ne!(a, Rounds::new(&data.households, 8).children(1, 3_000));
        let stunted = a.iter().filter(|c| c.is_stunted()).count() as u32;
        // Prevalence 26.8% in round 1: far from none and from all.
        assert!((500..1_100).contains(&stunted), "{stunted} stunted");

        data.children = a;
        let analysis = Analysis::compute(&data, &Config::default());
        assert_eq!(analysis.totals.children, 3_000);
        assert_eq!(analysis.totals.stunted, stunted);
        let in_villages: u32 = analysis
            .villages
            .iter()
            .map(|v| v.stats.counts.children)
            .sum();
        assert_eq!(in_villages + analysis.outside.children, 3_000);
        for (res, list) in &analysis.hexes {
            let counted: u32 = list.iter().map(|h| h.stats.counts.children).sum();
            assert_eq!(counted, 3_000, "every child in one cell at res {res}");
            let (timing, export) =
                spatial(*res, list, &Config::default()).expect("reproduces the analysis");
            assert_eq!(export.bases.iter().sum::<u32>(), 3_000);
            assert_eq!(export.events.iter().sum::<u32>(), stunted);
            assert_eq!(timing.tested, export.cells.len());
        }
    }
}

//! `sigap bench national`: a synthetic country, deterministic, and the time and
//! memory until the server's snapshot of it is ready.
//!
//! The country at `--scale 1`: 84,000 villages (Indonesia has about 84,000 desa and
//! kelurahan) in 514 regencies, 40,000,000 households and 10,000,000 children
//! measured in one round, one puskesmas per 8 villages. Regencies lie on a lattice
//! over Indonesia's extent (95-141 E, 11 S-6 N), each a block of square villages
//! about 2 km across; households are spread uniformly in their village, with
//! sanitation gaps whose rates differ by regency (so stunting clusters), and children
//! are drawn from the households as `sigap bench recompute` draws them
//! ([`super::synthetic::Rounds`]). `--scale` multiplies all four counts.
//!
//! Steps: generate (timed, not part of readiness); find the households' cells at
//! the public resolutions, as an import does and the store keeps them (timed apart,
//! as `cells_at_import_s`); build the snapshot as `sigap serve` does after loading
//! the store ([`Snapshot::build`]: every period's
//! analysis, tile sources, case records, public figures); print the seconds, the
//! peak resident memory and a checksum of the per-village and per-cell counts, equal
//! run to run. Reading the country from a store is not measured here yet.
//!
//! With `--rounds R` the children are measured in R rounds of the same size (six
//! months apart). With `--incremental`, the last round is imported again with some
//! children changed ([`reimport_last_round`]) and the bench times what the server
//! does after that import, [`Snapshot::build_after`] the previous snapshot, against
//! a full [`Snapshot::build`] of the same data, and checks that both give the same
//! checksum over every period.

use super::synthetic::{Rng, Rounds};
use anyhow::{Result, bail};
use geo::{MultiPolygon, Point, Rect};
use sigap::config::Config;
use sigap::model::{Facility, FacilityKind, Household, TargetGroups, Village};
use sigap::snapshot::Snapshot;
use sigap::store::Dataset;
use std::sync::Arc;
use std::time::Instant;

/// Villages, households and children of the country at scale 1.
const VILLAGES: f64 = 84_000.0;
const HOUSEHOLDS: f64 = 40_000_000.0;
const CHILDREN: f64 = 10_000_000.0;
const REGENCIES: usize = 514;
/// Villages per puskesmas.
const VILLAGES_PER_PUSKESMAS: usize = 8;
/// A village's side in degrees (about 2.2 km at the equator).
const VILLAGE_DEG: f64 = 0.02;
/// Indonesia's extent: west, south, east, north.
const EXTENT: [f64; 4] = [95.0, -11.0, 141.0, 6.0];
/// Streams of the seed, one per kind of draw.
const STREAM_HOUSEHOLDS: u64 = 101;
const STREAM_REGENCIES: u64 = 102;

/// The synthetic country at `scale`, from `seed`, with its children measured in
/// `rounds` rounds (at least one) of the same size.
#[must_use]
pub fn country(scale: f64, seed: u64, rounds: u32) -> Dataset {
    let n_villages = ((VILLAGES * scale).round() as usize).max(100);
    let n_households = ((HOUSEHOLDS * scale).round() as usize).max(n_villages);
    let n_children = ((CHILDREN * scale).round() as usize).max(1);
    let regencies = REGENCIES.min(n_villages);
    let per_regency = n_villages.div_ceil(regencies);
    let side = (per_regency as f64).sqrt().ceil() as usize;
    // The regency lattice: as square as Indonesia's extent allows.
    let cols = ((regencies as f64) * (EXTENT[2] - EXTENT[0]) / (EXTENT[3] - EXTENT[1]))
        .sqrt()
        .ceil() as usize;
    let (cell_w, cell_h) = (
        (EXTENT[2] - EXTENT[0]) / cols as f64,
        (EXTENT[3] - EXTENT[1]) / regencies.div_ceil(cols) as f64,
    );
    let mut rates = Rng::new(seed, STREAM_REGENCIES);
    // Per regency: the rates of no latrine, no safe water, no improved sanitation.
    let gaps: Vec<[f64; 3]> = (0..regencies)
        .map(|_| {
            let base = 0.05 + 0.35 * rates.unit();
            [base, 0.6 * base + 0.1 * rates.unit(), 1.2 * base]
        })
        .collect();
    // Each village's south-west corner.
    let corners: Vec<[f64; 2]> = (0..n_villages)
        .map(|i| {
            let (r, k) = (i / per_regency, i % per_regency);
            [
                EXTENT[0] + (r % cols) as f64 * cell_w + (k % side) as f64 * VILLAGE_DEG,
                EXTENT[1] + (r / cols) as f64 * cell_h + (k / side) as f64 * VILLAGE_DEG,
            ]
        })
        .collect();
    let villages: Vec<Village> = corners
        .iter()
        .enumerate()
        .map(|(i, &[west, south])| {
            let (r, k) = (i / per_regency, i % per_regency);
            let square = Rect::new((west, south), (west + VILLAGE_DEG, south + VILLAGE_DEG));
            Village {
                code: format!("{:04}{:06}", r + 1, k + 1),
                name: format!("Desa {}-{}", r + 1, k + 1),
                district: format!("Kecamatan {}-{}", r + 1, k / 20 + 1),
                boundary: MultiPolygon::new(vec![square.to_polygon()]),
            }
        })
        .collect();
    let mut rng = Rng::new(seed, STREAM_HOUSEHOLDS);
    let households: Vec<Household> = (0..n_households)
        .map(|i| {
            let v = i % n_villages;
            let [gap_latrine, gap_water, gap_sanitation] = gaps[v / per_regency];
            let [west, south] = corners[v];
            Household {
                id: format!("h{i}"),
                location: Point::new(
                    west + VILLAGE_DEG * rng.unit(),
                    south + VILLAGE_DEG * rng.unit(),
                ),
                has_latrine: rng.unit() >= gap_latrine,
                safe_water: rng.unit() >= gap_water,
                improved_sanitation: rng.unit() >= gap_sanitation,
                unfit_housing: Some(rng.unit() < 0.1),
                four_t: Some(rng.unit() < 0.15),
                targets: TargetGroups::from_bits((rng.below(32)) as u8),
            }
        })
        .collect();
    let draws = Rounds::new(&households, seed);
    let mut children: Vec<_> = (0..rounds.max(1))
        .flat_map(|k| draws.children(k, n_children))
        .collect();
    for (i, c) in children.iter_mut().enumerate() {
        c.id = format!("c{i}");
    }
    let facilities = villages
        .iter()
        .zip(&corners)
        .step_by(VILLAGES_PER_PUSKESMAS)
        .enumerate()
        .map(|(i, (v, &[west, south]))| Facility {
            id: format!("P{i}"),
            name: format!("Puskesmas {}", v.name),
            kind: FacilityKind::Puskesmas,
            location: Point::new(west + VILLAGE_DEG / 2.0, south + VILLAGE_DEG / 2.0),
        })
        .collect();
    Dataset {
        villages,
        children,
        households: Arc::new(households),
        facilities,
        ..Dataset::default()
    }
}

/// The cells of each household at the public resolutions, on every core: what an
/// import stores beside it ([`Dataset::household_cells`]).
fn stored_cells(households: &[Household]) -> Vec<Option<sigap::model::PointCells>> {
    use rayon::prelude::*;
    households
        .par_iter()
        .map(|h| Some(sigap::model::point_cells(h.location)))
        .collect()
}

/// `data` with its last round imported again, changed: one child in a hundred of it
/// measured again (HAZ 0.5 lower), its last child gone and one child new (a copy of
/// its first under another id). The other rounds and every shared layer are as
/// they were.
#[must_use]
pub fn reimport_last_round(data: &Dataset) -> Dataset {
    let mut out = data.clone();
    let Some(last) = data.latest_period() else {
        return out;
    };
    let mut round: Vec<usize> = (0..out.children.len())
        .filter(|&i| out.children[i].period == last)
        .collect();
    for &i in round.iter().step_by(100) {
        out.children[i].haz -= 0.5;
    }
    if let Some(gone) = round.pop() {
        out.children.remove(gone);
    }
    if let Some(&first) = round.first() {
        let mut new = out.children[first].clone();
        new.id = "c-reimported".into();
        out.children.push(new);
    }
    out
}

/// FNV-1a over every period's per-village and per-cell counts, in time order.
fn checksum_periods(snapshot: &Snapshot) -> u64 {
    snapshot
        .periods()
        .into_iter()
        .map(|p| analysis_checksum(snapshot.view(Some(p)).0))
        .fold(0xcbf2_9ce4_8422_2325, |h: u64, sum| {
            (h ^ sum).wrapping_mul(0x0100_0000_01b3)
        })
}

/// FNV-1a over the default period's per-village and per-cell counts: equal run to
/// run.
fn checksum(snapshot: &Snapshot) -> u64 {
    analysis_checksum(&snapshot.analysis)
}

/// FNV-1a over an analysis' per-village and per-cell counts.
fn analysis_checksum(analysis: &sigap::analysis::Analysis) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for v in &analysis.villages {
        let c = &v.stats.counts;
        eat(v.village.code.as_bytes());
        for n in [c.children, c.stunted, c.severe, c.households, c.no_latrine] {
            eat(&n.to_le_bytes());
        }
    }
    for (res, cells) in &analysis.hexes {
        eat(&[u8::from(*res)]);
        for cell in cells {
            eat(&u64::from(cell.cell).to_le_bytes());
            eat(&cell.stats.counts.children.to_le_bytes());
            eat(&cell.stats.counts.stunted.to_le_bytes());
        }
    }
    h
}

/// Generates the country at `scale` with `rounds` rounds of children and builds its
/// snapshot `repeat` times; with `incremental`, times the build after the last
/// round's import against a full one instead ([`incremental`]).
pub fn run(scale: f64, seed: u64, rounds: u32, incremental: bool, repeat: usize) -> Result<()> {
    if !(scale > 0.0 && scale <= 1.0) {
        bail!("--scale must be in (0, 1], not {scale}");
    }
    let t = Instant::now();
    let mut data = country(scale, seed, rounds);
    let generate_s = t.elapsed().as_secs_f64();
    // The households' cells at the public resolutions, as an import finds and the
    // store keeps them (`h3_5`..`h3_8`), so the snapshot reads them as `sigap serve`
    // does; timed apart: import work, not readiness.
    let t = Instant::now();
    data.household_cells = Arc::new(stored_cells(&data.households));
    let cells_at_import_s = t.elapsed().as_secs_f64();
    if incremental {
        return self::incremental(&data, scale, repeat);
    }
    let config = Config::default();
    let mut sums = Vec::new();
    for round in 0..repeat.max(1) {
        let t = Instant::now();
        let snapshot = Snapshot::build(0, &data, &config);
        let build_s = t.elapsed().as_secs_f64();
        let sum = checksum(&snapshot);
        sums.push(sum);
        println!(
            "{}",
            serde_json::json!({
                "bench": "national",
                "round": round,
                "scale": scale,
                "villages": data.villages.len(),
                "households": data.households.len(),
                "children": data.children.len(),
                "stunted": snapshot.analysis.totals.stunted,
                "threads": rayon::current_num_threads(),
                "generate_s": generate_s,
                "cells_at_import_s": cells_at_import_s,
                "snapshot_s": build_s,
                "peak_rss_mib": super::recompute::peak_rss_mib(),
                "checksum": format!("{sum:016x}"),
            })
        );
        drop(snapshot);
    }
    if sums.windows(2).any(|w| w[0] != w[1]) {
        bail!("the checksums differ between rounds: {sums:x?}");
    }
    Ok(())
}

/// Times, `repeat` times: the snapshot of `data` (as the server has it before the
/// import), [`Snapshot::build_after`] it once the last round is imported again, and
/// a full [`Snapshot::build`] of the same data (after the others are dropped, so
/// the two do not share memory); fails when their checksums over every period
/// differ.
fn incremental(data: &Dataset, scale: f64, repeat: usize) -> Result<()> {
    let config = Config::default();
    let changed = reimport_last_round(data);
    for round in 0..repeat.max(1) {
        let t = Instant::now();
        let previous = Snapshot::build(0, data, &config);
        let before_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let after = Snapshot::build_after(&previous, 1, &changed, &config);
        let after_s = t.elapsed().as_secs_f64();
        let (after_sum, rebuilt) = (checksum_periods(&after), after.rebuilt_periods().len());
        drop((previous, after));
        let t = Instant::now();
        let full = Snapshot::build(1, &changed, &config);
        let full_s = t.elapsed().as_secs_f64();
        let full_sum = checksum_periods(&full);
        println!(
            "{}",
            serde_json::json!({
                "bench": "national_incremental",
                "round": round,
                "scale": scale,
                "villages": changed.villages.len(),
                "households": changed.households.len(),
                "children": changed.children.len(),
                "periods": full.periods().len(),
                "rebuilt_periods": rebuilt,
                "threads": rayon::current_num_threads(),
                "snapshot_before_import_s": before_s,
                "incremental_s": after_s,
                "full_s": full_s,
                "peak_rss_mib": super::recompute::peak_rss_mib(),
                "checksum_incremental": format!("{after_sum:016x}"),
                "checksum_full": format!("{full_sum:016x}"),
            })
        );
        if after_sum != full_sum {
            bail!(
                "the incremental build's checksum {after_sum:016x} differs from the full build's {full_sum:016x}"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_is_deterministic_and_every_home_lies_in_its_village() {
        let a = country(0.001, 7, 1);
        let b = country(0.001, 7, 1);
        assert_eq!(a.villages.len(), 100, "at least 100 villages");
        assert_eq!(a.households.len(), 40_000);
        assert_eq!(a.children.len(), 10_000);
        assert_eq!(a.households, b.households);
        assert_eq!(a.children, b.children);
        assert_ne!(country(0.001, 8, 1).households, a.households);
        let index = sigap::index::VillageIndex::new(&a.villages);
        let homes = index.locate_households(&a.households);
        assert!(homes.iter().all(Option::is_some), "every home in a village");
        let s1 = checksum(&Snapshot::build(0, &a, &Config::default()));
        let s2 = checksum(&Snapshot::build(0, &b, &Config::default()));
        assert_eq!(s1, s2);
    }

    /// The snapshot counts households in the cells it found once for the case
    /// records too: at every resolution the same as an analysis that locates them.
    #[test]
    fn the_snapshot_cells_are_those_of_an_analysis_on_its_own() {
        let data = country(0.001, 7, 1);
        let config = Config::default();
        let snapshot = Snapshot::build(0, &data, &config);
        let period = data.latest_period().expect("children have a period");
        let alone = sigap::analysis::Analysis::compute(&data.of_period(period), &config);
        let counts = |a: &sigap::analysis::Analysis| -> Vec<_> {
            a.hexes
                .iter()
                .flat_map(|(res, cells)| cells.iter().map(move |h| (*res, h.cell, h.stats.counts)))
                .collect()
        };
        let (got, want) = (counts(&snapshot.analysis), counts(&alone));
        assert!(want.iter().any(|(_, _, c)| c.households > 0));
        assert_eq!(got.len(), want.len());
        assert!(
            got == want,
            "the snapshot's cells differ from the analysis'"
        );
    }

    /// After the last of three rounds is imported again, the snapshot built after
    /// the previous one analyses that round alone and has the checksums of a full
    /// build, and the changed round's checksum is not the old one.
    #[test]
    fn the_incremental_build_redoes_the_last_round_with_the_full_builds_checksums() {
        let data = country(0.001, 7, 3);
        let config = Config::default();
        let periods = data.periods();
        assert_eq!(periods.len(), 3);
        let changed = reimport_last_round(&data);
        assert_eq!(
            changed.periods().keys().collect::<Vec<_>>(),
            periods.keys().collect::<Vec<_>>()
        );
        let previous = Snapshot::build(0, &data, &config);
        let after = Snapshot::build_after(&previous, 1, &changed, &config);
        let full = Snapshot::build(1, &changed, &config);
        assert_eq!(after.rebuilt_periods(), [changed.latest_period()]);
        assert_eq!(checksum_periods(&after), checksum_periods(&full));
        assert_eq!(checksum(&after), checksum(&full));
        assert_ne!(
            checksum(&after),
            checksum(&previous),
            "the last round changed"
        );
    }
}

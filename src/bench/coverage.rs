//! `sigap bench coverage`: the programmes' coverage of the latest round recomputed
//! from the case records and the ledger, per village and per H3 cell (resolution 8),
//! one thread, as the server does once per store revision. `--scale N` copies every
//! child, household and delivery N times (ids suffixed, same places), for a city N
//! times the store's.

use anyhow::{Context, Result};
use sigap::index::cases::Cases;
use sigap::model::{Delivery, Recipient};
use sigap::risk::coverage;
use sigap::store::Dataset;
use std::time::Instant;

/// `data` with every child, household and delivery copied `scale` times: the copy
/// `k` (from 1) has `~k` after each id.
fn scaled(mut data: Dataset, scale: usize) -> Dataset {
    if scale <= 1 {
        return data;
    }
    let (children, households, deliveries) = (
        data.children.clone(),
        data.households.clone(),
        data.deliveries.clone(),
    );
    for k in 1..scale {
        let suffix = format!("~{k}");
        data.children.extend(children.iter().cloned().map(|mut c| {
            c.id.push_str(&suffix);
            c
        }));
        std::sync::Arc::make_mut(&mut data.households).extend(households.iter().cloned().map(
            |mut h| {
                h.id.push_str(&suffix);
                h
            },
        ));
        data.deliveries
            .extend(deliveries.iter().cloned().map(|mut d: Delivery| {
                d.recipient = match d.recipient {
                    Recipient::Child(id) => Recipient::Child(id + &suffix),
                    Recipient::Household(id) => Recipient::Household(id + &suffix),
                    village @ Recipient::Village(_) => village,
                };
                d
            }));
    }
    data
}

pub fn run(db: Option<&std::path::Path>, scale: usize, repeat: usize) -> Result<()> {
    let store = match db {
        Some(p) => sigap::store::Store::open(p)?,
        None => crate::cli::demo_store()?,
    };
    let data = scaled(store.load()?, scale);
    let period = data.latest_period().context("the store has no children")?;
    let programmes = sigap::config::Config::default().programmes();
    let cases = Cases::build(&data);
    let codes: Vec<&str> = data.villages.iter().map(|v| v.code.as_str()).collect();
    let (mut villages, mut cells) = (Vec::new(), Vec::new());
    let mut reached = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let cov = coverage::of_cases(&programmes, &data.deliveries, &cases, Some(period), &codes);
        villages.push(t.elapsed().as_secs_f64());
        reached = cov
            .total
            .values()
            .map(|r| u64::from(r.reached))
            .sum::<u64>();
        let t = Instant::now();
        let by_cell = coverage::of_cases_in_cells(
            &programmes,
            &data.deliveries,
            &cases,
            Some(period),
            h3o::Resolution::Eight,
        );
        cells.push(t.elapsed().as_secs_f64());
        std::hint::black_box(by_cell);
    }
    let round = data.children.iter().filter(|c| c.period == period).count();
    println!(
        "{}",
        serde_json::json!({
            "bench": "coverage",
            "scale": scale,
            "period": period.to_string(),
            "children": round,
            "households": data.households.len(),
            "deliveries": data.deliveries.iter().filter(|d| d.period == period).count(),
            "programmes": programmes.len(),
            "reached": reached,
            "villages_s": villages,
            "cells_res8_s": cells,
        })
    );
    Ok(())
}

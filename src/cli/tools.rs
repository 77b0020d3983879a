//! Small tools: `sigap cells` (H3 ids for the cross-checks), `sigap stats` (smoothing and
//! hot spots for given counts), `sigap zscores` (WHO z-scores for a children CSV).

use anyhow::{Context, Result, bail};
use sigap::store::Store;
use std::io::{BufRead, Write};
use std::path::Path;

/// `sigap cells --res R`: reads `lat,lon` lines from stdin, prints each cell as JSON.
pub fn cells(res: u8) -> Result<()> {
    let res = h3o::Resolution::try_from(res).context("res must be 0..15")?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        let mut parts = line.split(',');
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) else {
            if i == 0 {
                continue; // header
            }
            bail!("stdin line {}: expected lat,lon, got {line}", i + 1);
        };
        let cell = sigap::index::hex::cell_of(geo::Point::new(lon, lat), res)
            .with_context(|| format!("stdin line {}: not a valid coordinate", i + 1))?;
        let boundary: Vec<[f64; 2]> = cell
            .boundary()
            .iter()
            .map(|ll| [ll.lat(), ll.lng()])
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({ "h3": cell.to_string(), "boundary": boundary })
        )?;
    }
    Ok(())
}

/// `sigap stats`: JSON in, JSON out.
pub fn stats(input: Option<&Path>, villages_of: Option<&Path>) -> Result<()> {
    let json = if let Some(db) = villages_of {
        let villages = Store::open(db)?.villages()?;
        serde_json::json!({
            "codes": villages.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(),
            "neighbours": sigap::index::neighbours::village_neighbours(&villages),
        })
    } else {
        let path = input.context("give --input or --villages-of")?;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed: sigap::analysis::spatial_stats::StatsInput =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        serde_json::to_value(sigap::analysis::spatial_stats::compute(&parsed)?)?
    };
    println!("{json}");
    Ok(())
}

/// `sigap zscores IN [-o OUT]`.
pub fn zscores(input: &Path, out: Option<&Path>) -> Result<()> {
    use sigap::ingest::zscores::add_zscores;
    let summary = match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            add_zscores(input, std::io::BufWriter::new(file))?
        }
        None => add_zscores(input, std::io::stdout().lock())?,
    };
    eprint!("{summary}");
    Ok(())
}

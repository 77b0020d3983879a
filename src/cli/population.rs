//! `sigap import population`: a raster of counts summed into cells and villages.

use anyhow::{Result, bail};
use sigap::ingest::population::PopulationOptions;
use sigap::store::Db;
use std::path::Path;

/// `sigap import population`: sums a raster into cells and villages, replacing the
/// previous one.
pub fn import_population(db: &Db, path: &Path, opts: &PopulationOptions) -> Result<()> {
    let mut store = super::open_store(db)?;
    let s = match sigap::ingest::population::import_population(&mut store, path, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            bail!(
                "import of {} failed; the store is unchanged",
                path.display()
            );
        }
    };
    let t = &s.totals;
    let n = &s.subdivision;
    println!(
        "{} population from {} ({}x{} pixels of {:.1} m, {}): total {:.1}, in villages {:.1}, \
         outside villages {:.1} (beyond the villages' extent, in no cell: {:.1})",
        if s.revision.is_some() {
            "imported"
        } else {
            "checked (nothing written)"
        },
        s.path.display(),
        s.size.0,
        s.size.1,
        s.pixel_edge_m,
        s.crs,
        t.total,
        t.total - t.outside,
        t.outside,
        t.beyond
    );
    println!(
        "pixels: {} counted, {} nodata skipped, {} negative skipped",
        s.valid, s.nodata, s.negative
    );
    let per_res: Vec<String> = sigap::index::hex::RESOLUTIONS
        .iter()
        .zip(n.cells.iter().zip(s.cells))
        .map(|(r, (n, cells))| format!("res {}: {n}x{n}, {cells} cells", u8::from(*r)))
        .collect();
    println!(
        "sub-pixels per pixel: {}; villages: {}x{}",
        per_res.join("; "),
        n.villages,
        n.villages
    );
    Ok(())
}

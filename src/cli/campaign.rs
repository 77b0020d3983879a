//! `sigap campaign`: one campaign (eggs to every baduta family of a village on one
//! day) written to the intervention ledger as one delivery per recipient, the same
//! core as `POST /api/deliveries/campaign` ([`sigap::ledger::campaign`]).

use anyhow::{Result, bail};
use clap::Args;
use sigap::ledger::{CampaignIn, campaign};
use sigap::store::Db;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// The store: a GeoPackage file or a postgres:// database.
    #[arg(long)]
    db: Db,
    /// Config file with `[[programmes]]` (default: ./sigap.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The programme's code (`telur`) or name.
    #[arg(long)]
    programme: String,
    /// The village's code (`7471011005`, dots allowed) or name.
    #[arg(long)]
    village: String,
    /// The day it was given, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// Target group: catin, bumil, bufas, baduta, balita (a child programme: baduta
    /// or balita, the children under two or five).
    #[arg(long)]
    group: Option<String>,
    /// Quantity per recipient.
    #[arg(long)]
    quantity: Option<f64>,
    /// Unit of the quantity (default: the programme's).
    #[arg(long)]
    unit: Option<String>,
    /// Cost per recipient, in rupiah.
    #[arg(long)]
    cost: Option<f64>,
    /// Who delivered it (default: the programme's deliverer).
    #[arg(long)]
    by: Option<String>,
    /// Check and count, write nothing.
    #[arg(long)]
    check: bool,
}

pub fn run(args: CampaignArgs) -> Result<()> {
    let config = super::load_config(args.config.as_deref())?;
    let mut store = super::open_store(&args.db)?;
    let (_, data) = store.load_revision()?;
    let cases = sigap::index::cases::Cases::build(&data);
    let villages: Vec<_> = data.villages.iter().collect();
    let periods: Vec<_> = data.periods().into_keys().collect();
    let input = CampaignIn {
        programme: args.programme,
        village: args.village,
        date: args.date,
        group: args.group,
        quantity: args.quantity,
        unit: args.unit,
        cost: args.cost,
        by: args.by,
    };
    let c = match campaign(
        &input,
        &cases,
        &villages,
        &config.programmes(),
        &periods,
        sigap::ingest::today(),
    ) {
        Ok(c) => c,
        Err(e) => bail!("{e}; the store is unchanged"),
    };
    if args.check {
        println!(
            "{} (round {}; nothing written: --check)",
            c.sentence(c.deliveries.len(), &input),
            c.period
        );
        return Ok(());
    }
    let written = store.add_deliveries(&c.deliveries)?;
    println!(
        "{} (round {}): {} added, {} already in the ledger (store revision {})",
        c.sentence(c.deliveries.len(), &input),
        c.period,
        written.added,
        written.present,
        written.revision
    );
    Ok(())
}

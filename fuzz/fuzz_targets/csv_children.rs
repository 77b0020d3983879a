//! A children CSV (sigap's columns, e-PPGBM exports, anything) through the import.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::{LazyLock, Mutex};

static HARNESS: LazyLock<Mutex<harness::Harness>> =
    LazyLock::new(|| Mutex::new(harness::Harness::new()));

fuzz_target!(|data: &[u8]| {
    let mut h = HARNESS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = h.children_csv(data);
});

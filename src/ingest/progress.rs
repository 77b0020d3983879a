//! How far a long import has got: a progress bar on a terminal, a log line every
//! [`LOG_EVERY`] records otherwise (a service's journal, CI, a pipe).
//!
//! A million households take a while; the data manager who started the import
//! should see it move and how long is left. The bar is `indicatif`'s, drawn on
//! stderr at most a few times a second and cleared at the end, so it neither slows
//! the import nor stays in the scrollback; when stderr is not a terminal the bar is
//! not drawn at all and `tracing` says the same at a pace a log can hold.

use crate::model::LayerKind;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;
use tracing::info;

/// Log a line every this many records when stderr is not a terminal.
pub const LOG_EVERY: u64 = 50_000;
/// Move the bar every this many records (drawing is throttled anyway).
const BAR_EVERY: u64 = 1_000;

/// Progress of one import; see the module doc.
pub struct Progress {
    kind: LayerKind,
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// Starts reporting; `len` is the number of records when the format knows it.
    #[must_use]
    pub fn start(kind: LayerKind, len: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr_with_hz(4));
            let template = if len.is_some() {
                "{msg} [{bar:30}] {human_pos}/{human_len} ({rate}, {eta} left)"
            } else {
                "{msg} {spinner} {human_pos} records ({rate})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                };
                bar.set_style(style.progress_chars("=> ").with_key("rate", rate));
            }
            bar.set_message(format!("importing {kind}"));
            bar
        });
        Self {
            kind,
            bar,
            started: Instant::now(),
        }
    }

    /// Notes that `read` records have been read, `rejected` of them rejected.
    pub fn tick(&self, read: u64, rejected: u64) {
        if let Some(bar) = &self.bar {
            if read.is_multiple_of(BAR_EVERY) {
                bar.set_position(read);
            }
        } else if read.is_multiple_of(LOG_EVERY) {
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            let per_second = (read as f64 / secs).round();
            info!(kind = %self.kind, read, rejected, per_second, "reading");
        }
    }
}

impl Drop for Progress {
    /// Clears the bar, whether the import finished or failed.
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

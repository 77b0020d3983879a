//! Rotating the identity key: every sealed name and address re-sealed under a new key
//! (`sigap identity rotate-key`), for when the key may have been seen by someone it
//! should not have been, or on a schedule.
//!
//! Two things change, the store's sealed records and the key file, and no filesystem
//! and database write can be made one. The order below keeps the store readable with a
//! key on disk whatever moment the process is killed at:
//!
//! 1. A pending rotation left by a killed run is finished or dropped first (see 3).
//! 2. The old key is copied to `KEY.old-<UTC time>` and the new key written to
//!    `KEY.new`, each with mode 0600 and synced to disk. `KEY` itself is untouched.
//! 3. One store transaction opens each record with the old key and seals it with the
//!    new one, then commits. Killed before the commit: the database rolls it back, the
//!    store is as it was and `KEY` still opens it (`KEY.new` is left over and removed
//!    on the next run, which sees that no record opens with it).
//! 4. After the commit, `KEY.new` is renamed over `KEY` (a rename is atomic on one
//!    filesystem; the folder is synced after it). Killed between the commit and the
//!    rename: the records open with `KEY.new`, not with `KEY`; the next run (or
//!    `sigap identity rotate-key` run again) sees that and finishes the rename, and
//!    until then `KEY.new` is the key.
//!
//! Putting the new key in place before the commit instead would leave, in the same
//! window, a `KEY` that opens nothing with the right key only in `KEY.old-*`: the same
//! recovery, but with the live name pointing at the wrong key. The order here keeps
//! `KEY` correct for every moment but one short window that the next run repairs.
//!
//! The store is either kind ([`RotationTarget`]). On a GeoPackage file the
//! transaction is SQLite's `BEGIN IMMEDIATE`. On the shared PostgreSQL database it
//! holds the store-wide write lock, so no import (from any server or CLI) writes
//! between the read and the write, and a kill or a dropped connection before the
//! commit rolls it back the same way. The key files are never in the database: they
//! are beside `--key` on the machine running the command, and every server of that
//! database holds the identity key it started with, so each must then be given the
//! new key file and restarted (until then it opens no name). The revision does not
//! move on either store: no layer or table the analysis reads changed.

use super::IngestError;
use super::identity::IdentityKey;
use crate::store::{RotationTarget, StoreError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Why a rotation did not happen. In every case the store and the key file are as
/// they were before this run (a killed run's pending rotation may have been finished).
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// There is no identity key file: nothing was sealed with a key at this path.
    ///
    /// Likely cause: `--key` names another pseudonym key than the one the store was
    /// imported with (the identity key lives beside it). Fix: give that `--key`.
    #[error(
        "no identity key at {0}; give the --key the store was imported with (the identity key is beside it)"
    )]
    NoKey(PathBuf),
    /// A sealed record did not open with the current key; nothing was changed.
    ///
    /// Likely cause: the key file is not the one these records were sealed with, or
    /// the store was changed by hand. Fix: find the right key (a `.old-*` copy?).
    #[error(
        "a sealed {layer} record did not open with the key at {path}: it is not the key the store was sealed with, or the store was changed; nothing was changed"
    )]
    Unsealable { layer: String, path: PathBuf },
    /// A key file could not be read, written or renamed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The key file is malformed.
    #[error(transparent)]
    Key(#[from] IngestError),
    /// Reading or writing the store failed; the transaction was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Records re-sealed (0 when a killed run's rotation was only finished).
    pub records: usize,
    /// Where the old key was kept.
    pub old_key: Option<PathBuf>,
    /// Whether a rotation a killed run had committed was finished first.
    pub finished_pending: bool,
}

/// Where the new key waits for the store's commit: `KEY.new`.
#[must_use]
pub fn pending_path(key: &Path) -> PathBuf {
    suffixed(key, ".new")
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Re-seals every identity in `store` with a new key and puts it at `key` (the
/// identity key file), keeping the old key as `KEY.old-<stamp>` (`stamp` like
/// `20261206T061500Z`). `progress(done, total)` is called as records are re-sealed.
/// See the module doc for the order of the writes.
pub fn rotate_identity_key(
    store: &mut impl RotationTarget,
    key: &Path,
    stamp: &str,
    progress: impl FnMut(usize, usize),
) -> Result<Rotation, RotateError> {
    if !key.exists() {
        return Err(RotateError::NoKey(key.to_path_buf()));
    }
    let finished_pending = finish_pending(store, key)?;
    let old = IdentityKey::load_or_create(key)?;
    let new = IdentityKey::random()?;
    let old_copy = suffixed(key, &format!(".old-{stamp}"));
    let pending = pending_path(key);
    write_private(&old_copy, &std::fs::read(key).map_err(io(key))?)?;
    write_private(&pending, format!("{}\n", new.to_hex()).as_bytes())?;
    sync_dir(key)?;
    let resealed = store.reseal_identities(
        |layer, pseudonym, sealed| {
            let who = old
                .open(layer, pseudonym, sealed)
                .map_err(|_| RotateError::Unsealable {
                    layer: layer.to_owned(),
                    path: key.to_path_buf(),
                })?;
            Ok::<_, RotateError>(new.seal(layer, pseudonym, &who))
        },
        progress,
    );
    let records = match resealed {
        Ok(n) => n,
        Err(e) => {
            // Rolled back: the store still opens with KEY, which is untouched; the
            // copies made for the rotation go.
            let _ = std::fs::remove_file(&pending);
            let _ = std::fs::remove_file(&old_copy);
            return Err(e);
        }
    };
    std::fs::rename(&pending, key).map_err(io(key))?;
    sync_dir(key)?;
    Ok(Rotation {
        records,
        old_key: Some(old_copy),
        finished_pending,
    })
}

/// A `KEY.new` a killed run left: renamed over `KEY` when the store's records open
/// with it (that run committed), removed when they open with `KEY` (it did not).
fn finish_pending(store: &mut impl RotationTarget, key: &Path) -> Result<bool, RotateError> {
    let pending = pending_path(key);
    if !pending.exists() {
        return Ok(false);
    }
    // A KEY.new that does not parse was cut while being written, before any record
    // was touched (it is synced before the transaction begins): nothing to finish.
    let Ok(waiting) = IdentityKey::load_or_create(&pending) else {
        std::fs::remove_file(&pending).map_err(io(&pending))?;
        return Ok(false);
    };
    let current = IdentityKey::load_or_create(key)?;
    let Some((layer, pseudonym, sealed)) = store.first_sealed_identity()? else {
        std::fs::remove_file(&pending).map_err(io(&pending))?;
        return Ok(false);
    };
    if current.open(&layer, &pseudonym, &sealed).is_ok() {
        std::fs::remove_file(&pending).map_err(io(&pending))?;
        return Ok(false);
    }
    if waiting.open(&layer, &pseudonym, &sealed).is_err() {
        return Err(RotateError::Unsealable {
            layer,
            path: key.to_path_buf(),
        });
    }
    tracing::warn!(path = %key.display(), "finishing a key rotation a stopped run had committed");
    std::fs::rename(&pending, key).map_err(io(key))?;
    sync_dir(key)?;
    Ok(true)
}

/// Writes `bytes` to a new file `path` with mode 0600 and syncs it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), RotateError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == ErrorKind::AlreadyExists {
            RotateError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    e.kind(),
                    "exists already (a rotation in the same second?); try again",
                ),
            }
        } else {
            io(path)(e)
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(path))
}

/// Syncs the folder of `path`, so a created or renamed file survives a power cut.
fn sync_dir(path: &Path) -> Result<(), RotateError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> RotateError + '_ {
    move |source| RotateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
#[path = "rotate_tests.rs"]
mod tests;

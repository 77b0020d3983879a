//! Where an uploaded file waits while it is imported: a private folder beside the
//! store, not the shared temporary directory.
//!
//! Uploads carry raw NIK and KK numbers until the import pseudonymises them, so
//! they get the store's own protection: a folder `<store>.uploads/` readable by the
//! server's user only (0700), one sub-folder per upload (named after the server's
//! process id) holding the file (0600), removed when the import ends, even on a
//! panic. A server killed mid-import leaves its folder behind; the next server on
//! the store removes the folders of processes that no longer run.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The uploads folder of one store.
#[derive(Debug, Clone)]
pub struct Uploads {
    dir: PathBuf,
}

/// One uploaded file on disk; its folder is removed when this is dropped.
#[derive(Debug)]
pub struct Upload {
    dir: PathBuf,
    file: PathBuf,
}

impl Upload {
    /// The file, named `<layer>.<ext>` so the readers know its format.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.file
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "upload not removed");
        }
    }
}

#[cfg(unix)]
fn private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)?;
    // An older folder made with the default mode is made private too.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

impl Uploads {
    /// The uploads folder of the store at `store` (`city.gpkg` → `city.gpkg.uploads`).
    #[must_use]
    pub fn beside(store: &Path) -> Self {
        let mut name = store.file_name().unwrap_or_default().to_os_string();
        name.push(".uploads");
        Self {
            dir: store.with_file_name(name),
        }
    }

    /// Writes `bytes` to a new private file `<layer>.<ext>`.
    pub fn write(&self, layer: &str, ext: &str, bytes: &[u8]) -> std::io::Result<Upload> {
        private_dir(&self.dir)?;
        let dir = self.dir.join(format!(
            "{}-{}",
            std::process::id(),
            crate::auth::secret::new_secret()
        ));
        private_dir(&dir)?;
        // From here on the folder goes when the upload is dropped.
        let upload = Upload {
            file: dir.join(format!("{layer}.{ext}")),
            dir,
        };
        let mut f = private_file(&upload.file)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(upload)
    }

    /// Removes the folders left by servers that were killed mid-import (their
    /// process no longer runs); returns how many.
    pub fn remove_stale(&self) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().unwrap_or_default();
            let alive = pid.parse::<u32>().is_ok_and(|p| {
                p == std::process::id() || Path::new("/proc").join(p.to_string()).exists()
            });
            if !alive && std::fs::remove_dir_all(e.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_private_and_removed_when_dropped() {
        let root = std::env::temp_dir().join(format!("sigap-uploads-test-{}", std::process::id()));
        let store = root.join("city.gpkg");
        std::fs::create_dir_all(&root).expect("root");
        let uploads = Uploads::beside(&store);
        let up = uploads.write("children", "csv", b"id\n1\n").expect("write");
        assert!(up.path().starts_with(root.join("city.gpkg.uploads")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(up.path()), 0o600);
            assert_eq!(mode(up.path().parent().expect("dir")), 0o700);
            assert_eq!(mode(&root.join("city.gpkg.uploads")), 0o700);
        }
        let dir = up.path().parent().expect("dir").to_path_buf();
        drop(up);
        assert!(!dir.exists());
        // A dead process's folder goes; a live one's stays.
        let dead = root.join("city.gpkg.uploads").join("4000000000-x");
        let live = root
            .join("city.gpkg.uploads")
            .join(format!("{}-y", std::process::id()));
        std::fs::create_dir_all(&dead).expect("dead");
        std::fs::create_dir_all(&live).expect("live");
        assert_eq!(uploads.remove_stale(), 1);
        assert!(!dead.exists() && live.exists());
        std::fs::remove_dir_all(&root).expect("clean");
    }
}

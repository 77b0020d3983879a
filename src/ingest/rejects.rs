//! The rejects file: every rejected field of a `--skip-invalid` import, as CSV.
//!
//! Columns `line,field,reason,raw`, where `raw` is the record as it was read, so the
//! data manager can fix the rows and import the rejects file's `raw` column again.
//! `raw` holds source ids (a NIK), so the file is created readable by its owner only.

use super::{IngestError, Reject};
use std::path::{Path, PathBuf};

/// `<input stem>.rejects.csv` beside the input.
#[must_use]
pub fn default_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy());
    input.with_file_name(format!("{stem}.rejects.csv"))
}

/// Writes (or overwrites) the rejects file with one row per rejected field.
pub fn write(path: &Path, rejects: &[(Reject, String)]) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(io)?;
    #[cfg(unix)]
    {
        // `mode` applies only when the file is created; an old one may be wider.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    let mut out = ::csv::Writer::from_writer(file);
    let csv_err = |e: ::csv::Error| io(e.into());
    out.write_record(["line", "field", "reason", "raw"])
        .map_err(csv_err)?;
    for (reject, raw) in rejects {
        let line = reject.line.to_string();
        out.write_record([line.as_str(), &reject.field, &reject.reason, raw])
            .map_err(csv_err)?;
    }
    out.flush().map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_sits_beside_the_input() {
        assert_eq!(
            default_path(Path::new("/data/anak 2024.csv")),
            PathBuf::from("/data/anak 2024.rejects.csv")
        );
        assert_eq!(
            default_path(Path::new("desa.geojson")),
            PathBuf::from("desa.rejects.csv")
        );
    }
}

//! Coordinates to WGS84: the step between column mapping and validation.
//!
//! (Being written: geometry and x/y columns in any CRS through [`super::crs`]. Today
//! records must already carry `lat`/`lon` in degrees or a WGS84 geometry.)

use super::IngestError;
use super::source::Record;
use super::validate::FieldError;
use crate::model::LayerKind;

/// Brings a record's position into WGS84 `lat`/`lon` fields (or geometry).
#[derive(Debug, Clone, Default)]
pub struct Coordinates;

impl Coordinates {
    /// Chooses the source CRS: `--crs` if given, else the file's, else WGS84.
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "placeholder until the mapping is written"
    )]
    pub fn new(
        _kind: LayerKind,
        _crs: Option<&str>,
        _declared: Option<&str>,
    ) -> Result<Self, IngestError> {
        Ok(Self)
    }

    /// Rewrites the record's position in WGS84.
    #[allow(
        clippy::unnecessary_wraps,
        clippy::unused_self,
        reason = "placeholder until the mapping is written"
    )]
    pub fn apply(&self, _record: &mut Record) -> Result<(), FieldError> {
        Ok(())
    }
}

//! What an import needs of a store, so one import (`ingest::import_file`) writes a
//! layer into the GeoPackage file or the shared PostgreSQL database alike.
//!
//! Why a trait here and not only the [`AnyStore`] enum: an import uses six calls of
//! the store and four of its writer, generic code that tests and benches run on
//! either concrete store; `AnyStore` implements it by forwarding, for the CLI and
//! the server, which learn the kind of store only from `--db`.

use super::pg::{PgLayerWriter, PgStore};
use super::{AnyStore, LayerRows, LayerWriter, PopulationSource, Store, StoreError};
use crate::model::{AuditRow, LayerKind, Period, Population, TargetGroups, Village};
use geo::Rect;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A layer being written in one transaction: the rows become visible at
/// [`LayerSink::commit_with_audit`], and dropping it rolls everything back.
pub trait LayerSink {
    /// Inserts one batch; an id already stored fails it.
    fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError>;
    /// Inserts or replaces the sealed identities `(pseudonym, sealed)` of rows.
    fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError>;
    /// Deletes the stored children of `period` (an import replacing that period).
    fn delete_period(&mut self, period: Period) -> Result<usize, StoreError>;
    /// Rows written so far.
    fn written(&self) -> usize;
    /// Appends `audit` to the audit log, bumps the revision and commits; returns the
    /// new revision.
    fn commit_with_audit(self, audit: Option<&AuditRow>) -> Result<u64, StoreError>;
}

/// A store an import can write a layer into.
pub trait ImportTarget {
    /// The writer of one layer, holding the store's write lock.
    type Writer<'s>: LayerSink
    where
        Self: 's;

    /// The file the store lives in; `None` for a database server (nothing to
    /// confuse an input file with).
    fn file(&self) -> Option<&Path>;
    /// The bounding box of the stored village boundaries (WGS84 degrees).
    fn village_extent(&mut self) -> Result<Option<Rect<f64>>, StoreError>;
    /// `(pseudonym, period)` of every stored child.
    fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError>;
    /// The ids stored in a layer.
    fn ids(&mut self, kind: LayerKind) -> Result<HashSet<String>, StoreError>;
    /// Every stored village, in import order.
    fn villages(&mut self) -> Result<Vec<Village>, StoreError>;
    /// Starts writing layer `kind`; with `replace`, its old rows are deleted (seen
    /// only at commit).
    fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<Self::Writer<'_>, StoreError>;
}

impl LayerSink for LayerWriter<'_> {
    fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError> {
        LayerWriter::write(self, rows)
    }
    fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        LayerWriter::write_identities(self, sealed)
    }
    fn delete_period(&mut self, period: Period) -> Result<usize, StoreError> {
        LayerWriter::delete_period(self, period)
    }
    fn written(&self) -> usize {
        LayerWriter::written(self)
    }
    fn commit_with_audit(self, audit: Option<&AuditRow>) -> Result<u64, StoreError> {
        LayerWriter::commit_with_audit(self, audit)
    }
}

impl ImportTarget for Store {
    type Writer<'s> = LayerWriter<'s>;

    fn file(&self) -> Option<&Path> {
        Some(self.path())
    }
    fn village_extent(&mut self) -> Result<Option<Rect<f64>>, StoreError> {
        Store::village_extent(self)
    }
    fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError> {
        Store::child_keys(self)
    }
    fn ids(&mut self, kind: LayerKind) -> Result<HashSet<String>, StoreError> {
        Store::ids(self, kind)
    }
    fn villages(&mut self) -> Result<Vec<Village>, StoreError> {
        Store::villages(self)
    }
    fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<LayerWriter<'_>, StoreError> {
        Store::layer_writer(self, kind, replace)
    }
}

impl LayerSink for PgLayerWriter<'_> {
    fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError> {
        PgLayerWriter::write(self, rows)
    }
    fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        PgLayerWriter::write_identities(self, sealed)
    }
    fn delete_period(&mut self, period: Period) -> Result<usize, StoreError> {
        PgLayerWriter::delete_period(self, period)
    }
    fn written(&self) -> usize {
        PgLayerWriter::written(self)
    }
    fn commit_with_audit(self, audit: Option<&AuditRow>) -> Result<u64, StoreError> {
        PgLayerWriter::commit_with_audit(self, audit)
    }
}

impl ImportTarget for PgStore {
    type Writer<'s> = PgLayerWriter<'s>;

    fn file(&self) -> Option<&Path> {
        None
    }
    fn village_extent(&mut self) -> Result<Option<Rect<f64>>, StoreError> {
        PgStore::village_extent(self)
    }
    fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError> {
        PgStore::child_keys(self)
    }
    fn ids(&mut self, kind: LayerKind) -> Result<HashSet<String>, StoreError> {
        PgStore::ids(self, kind)
    }
    fn villages(&mut self) -> Result<Vec<Village>, StoreError> {
        PgStore::villages(self)
    }
    fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<PgLayerWriter<'_>, StoreError> {
        PgStore::layer_writer(self, kind, replace)
    }
}

/// A store a population raster can be imported into: the GeoPackage file, the
/// PostgreSQL database, or either ([`super::AnyStore`]).
pub trait PopulationTarget {
    /// Every stored village with a fingerprint of them, which the import records
    /// (comparable within one store only).
    fn villages_fingerprinted(&mut self) -> Result<(Vec<Village>, String), StoreError>;
    /// Replaces the stored population in one transaction; returns the new revision.
    fn write_population(
        &mut self,
        population: &Population,
        source: &PopulationSource,
    ) -> Result<u64, StoreError>;
}

/// [`PopulationTarget`] for a store whose own methods have those names.
macro_rules! population_target {
    ($($store:ty),*) => {$(
        impl PopulationTarget for $store {
            fn villages_fingerprinted(&mut self) -> Result<(Vec<Village>, String), StoreError> {
                <$store>::villages_fingerprinted(self)
            }
            fn write_population(
                &mut self,
                population: &Population,
                source: &PopulationSource,
            ) -> Result<u64, StoreError> {
                <$store>::write_population(self, population, source)
            }
        }
    )*};
}

population_target!(Store, PgStore, AnyStore);

/// A store whose children, households and villages a ledger import checks its rows
/// against ([`crate::ingest::interventions::StoreKeys::read`]): the GeoPackage file,
/// the PostgreSQL database, or either.
pub trait LedgerKeys {
    /// `(pseudonym, period)` of every stored child.
    fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError>;
    /// The stored households' pseudonyms and their target groups (`None` where the
    /// file did not say).
    fn household_groups(&mut self) -> Result<HashMap<String, Option<TargetGroups>>, StoreError>;
    /// The stored villages' codes.
    fn village_codes(&mut self) -> Result<HashSet<String>, StoreError>;
}

/// [`LedgerKeys`] for a store whose own methods have those names.
macro_rules! ledger_keys {
    ($($store:ty),*) => {$(
        impl LedgerKeys for $store {
            fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError> {
                <$store>::child_keys(self)
            }
            fn household_groups(
                &mut self,
            ) -> Result<HashMap<String, Option<TargetGroups>>, StoreError> {
                <$store>::household_groups(self)
            }
            fn village_codes(&mut self) -> Result<HashSet<String>, StoreError> {
                <$store>::village_codes(self)
            }
        }
    )*};
}

ledger_keys!(Store, PgStore, AnyStore);

/// The writer of a layer in either store: what [`ImportTarget`] for
/// [`super::AnyStore`] hands an import, so neither the CLI nor the server matches
/// on the kind of store to import.
pub enum AnyLayerWriter<'s> {
    /// Writing into the GeoPackage file.
    File(LayerWriter<'s>),
    /// Writing into the PostgreSQL database.
    Postgres(PgLayerWriter<'s>),
}

/// Runs `$call` on whichever store (or writer) `$either` holds, bound to `$x`.
macro_rules! on_either {
    ($either:expr, $enum:ident, $x:ident => $call:expr) => {
        match $either {
            $enum::File($x) => $call,
            $enum::Postgres($x) => $call,
        }
    };
}

impl LayerSink for AnyLayerWriter<'_> {
    fn write(&mut self, rows: &LayerRows) -> Result<(), StoreError> {
        on_either!(self, AnyLayerWriter, w => w.write(rows))
    }
    fn write_identities(&mut self, sealed: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        on_either!(self, AnyLayerWriter, w => w.write_identities(sealed))
    }
    fn delete_period(&mut self, period: Period) -> Result<usize, StoreError> {
        on_either!(self, AnyLayerWriter, w => w.delete_period(period))
    }
    fn written(&self) -> usize {
        on_either!(self, AnyLayerWriter, w => w.written())
    }
    fn commit_with_audit(self, audit: Option<&AuditRow>) -> Result<u64, StoreError> {
        on_either!(self, AnyLayerWriter, w => w.commit_with_audit(audit))
    }
}

impl ImportTarget for AnyStore {
    type Writer<'s> = AnyLayerWriter<'s>;

    fn file(&self) -> Option<&Path> {
        on_either!(self, AnyStore, s => ImportTarget::file(s))
    }
    fn village_extent(&mut self) -> Result<Option<Rect<f64>>, StoreError> {
        on_either!(self, AnyStore, s => ImportTarget::village_extent(s))
    }
    fn child_keys(&mut self) -> Result<HashSet<(String, Period)>, StoreError> {
        on_either!(self, AnyStore, s => ImportTarget::child_keys(s))
    }
    fn ids(&mut self, kind: LayerKind) -> Result<HashSet<String>, StoreError> {
        on_either!(self, AnyStore, s => ImportTarget::ids(s, kind))
    }
    fn villages(&mut self) -> Result<Vec<Village>, StoreError> {
        on_either!(self, AnyStore, s => ImportTarget::villages(s))
    }
    fn layer_writer(
        &mut self,
        kind: LayerKind,
        replace: bool,
    ) -> Result<AnyLayerWriter<'_>, StoreError> {
        Ok(match self {
            AnyStore::File(s) => AnyLayerWriter::File(s.layer_writer(kind, replace)?),
            AnyStore::Postgres(s) => AnyLayerWriter::Postgres(s.layer_writer(kind, replace)?),
        })
    }
}

/// A store whose sealed identities a key rotation re-seals
/// ([`crate::ingest::rotate::rotate_identity_key`]): the GeoPackage file, the
/// PostgreSQL database, or either.
pub trait RotationTarget {
    /// One sealed identity, `(layer, pseudonym, sealed)`, to tell which key opens the
    /// store; `None` when it has none.
    fn first_sealed_identity(&mut self) -> Result<Option<(String, String, Vec<u8>)>, StoreError>;
    /// Re-seals every record in one write transaction, all or nothing:
    /// `reseal(layer, pseudonym, sealed)` gives each record's new bytes, `progress(done,
    /// total)` is called as they are written. Returns how many were re-sealed.
    fn reseal_identities<E: From<StoreError>>(
        &mut self,
        reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
        progress: impl FnMut(usize, usize),
    ) -> Result<usize, E>;
}

/// [`RotationTarget`] for a store whose own methods have those names.
macro_rules! rotation_target {
    ($($store:ty),*) => {$(
        impl RotationTarget for $store {
            fn first_sealed_identity(
                &mut self,
            ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
                <$store>::first_sealed_identity(self)
            }
            fn reseal_identities<E: From<StoreError>>(
                &mut self,
                reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
                progress: impl FnMut(usize, usize),
            ) -> Result<usize, E> {
                <$store>::reseal_identities(self, reseal, progress)
            }
        }
    )*};
}

rotation_target!(Store, PgStore, AnyStore);

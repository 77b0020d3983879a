//! Column values PostgreSQL's client does not convert by itself: PostGIS geometries
//! and dates (the crate is built without its chrono feature; see Cargo.toml).
//!
//! Both go over the wire in PostgreSQL's binary format, as binary COPY and every
//! prepared statement send them: a `geometry` is EWKB (the PostGIS type's binary
//! form), a `date` is the signed number of days since 2000-01-01.

use crate::store::geometry::{SRS_WGS84, write_wkb_multi_polygon, write_wkb_point};
use chrono::NaiveDate;
use geo::{MultiPolygon, Point};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::error::Error;

type BoxError = Box<dyn Error + Sync + Send>;

/// A geometry to write into a PostGIS `geometry` column, in SRID 4326.
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
#[derive(Debug, Clone, Copy)]
pub enum Geometry<'a> {
    Point(Point<f64>),
    MultiPolygon(&'a MultiPolygon<f64>),
}

impl ToSql for Geometry<'_> {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        // Written into a Vec by geometry.rs's one WKB writer, then copied: a point is
        // 25 bytes, a village a few kilobytes.
        let mut wkb = Vec::new();
        match self {
            Self::Point(p) => write_wkb_point(&mut wkb, *p, Some(SRS_WGS84)),
            Self::MultiPolygon(m) => write_wkb_multi_polygon(&mut wkb, m, Some(SRS_WGS84)),
        }
        out.extend_from_slice(&wkb);
        Ok(IsNull::No)
    }

    /// PostGIS's type, whatever its OID (an extension's types get theirs when it is
    /// created) and schema.
    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }

    to_sql_checked!();
}

/// A calendar date for a `date` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// Day 0 of PostgreSQL's binary dates.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

impl ToSql for Date {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        let days = i32::try_from(self.0.signed_duration_since(epoch()).num_days())?;
        out.extend_from_slice(&days.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Date {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let days = i32::from_be_bytes(raw.try_into()?);
        // i32::MIN and i32::MAX are -infinity and infinity, out of chrono's range too.
        epoch()
            .checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
            .map(Date)
            .ok_or_else(|| format!("date {days} days from 2000-01-01 is out of range").into())
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }
}

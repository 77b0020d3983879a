//! A day's plan options as the field app sends them (text, each optional) and the
//! day a plan is for.

use crate::model::Period;
use crate::roads::Mode;
use crate::routes::day::DayRequest;
use chrono::NaiveDate;

/// Western Indonesian Time (WIB) is UTC+7: the field teams' day.
pub const WIB_OFFSET_SECS: i64 = 7 * 3600;

/// The most visits a day may be asked for, and the fewest.
const MAX_VISITS: std::ops::RangeInclusive<usize> = 1..=60;
/// Visits in a day when none are asked for.
const DEFAULT_VISITS: usize = 10;
/// Working hours when none are asked for.
const DEFAULT_HOURS: &str = "08:00-14:00";
/// Minutes at each home when none are asked for.
const DEFAULT_SERVICE_MIN: f64 = 20.0;
/// The minutes at each home that may be asked for.
const SERVICE_MIN: (f64, f64) = (0.0, 240.0);

/// An option that cannot be used; the message names the option and what to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// `start` or `end` is not `lat,lon` in degrees.
    #[error("{name}: {reason}")]
    Place { name: &'static str, reason: String },
    /// The travel mode is not one of the road graphs'.
    #[error("mode={0}: use motorbike, car or walk")]
    Mode(String),
    /// The plan's day is not `YYYY-MM-DD`.
    #[error("date={0}: use YYYY-MM-DD")]
    Date(String),
    /// The working hours are not `HH:MM-HH:MM` with the end after the start.
    #[error("{0}")]
    Hours(String),
}

/// A day's options as text, as a query string or a JSON body gives them; `None`
/// (or blank text) takes the default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOptions {
    /// The round, `YYYY-MM` (default: the snapshot's latest).
    pub period: Option<String>,
    /// `lat,lon` (default: the puskesmas nearest the children).
    pub start: Option<String>,
    /// `lat,lon` (default: the start).
    pub end: Option<String>,
    /// Most visits, held to 1-60 (default 10).
    pub max: Option<usize>,
    /// `HH:MM-HH:MM` (default 08:00-14:00).
    pub hours: Option<String>,
    /// Minutes at each home, held to 0-240 (default 20).
    pub service: Option<f64>,
    /// `motorbike` (default), `car` or `walk`.
    pub mode: Option<String>,
}

impl PlanOptions {
    /// Checks the mode, then the hours: what `GET /api/route` refuses even when a
    /// saved plan answers and the options go unused.
    ///
    /// # Errors
    /// [`OptionError::Mode`], [`OptionError::Hours`].
    pub fn check(&self) -> Result<(), OptionError> {
        mode_of(self.mode.as_deref())?;
        if let Some(h) = self.hours.as_deref() {
            crate::routes::parse_hours(h).map_err(OptionError::Hours)?;
        }
        Ok(())
    }

    /// The request [`crate::routes::day::team_day`] plans with: the start, the end
    /// and the mode checked in that order, the visits and minutes at a home held to
    /// their ranges. The hours are checked by `team_day`.
    ///
    /// # Errors
    /// [`OptionError::Place`], [`OptionError::Mode`].
    pub fn request(
        &self,
        (team, villages): (&str, &[String]),
        period: Option<Period>,
        day: NaiveDate,
    ) -> Result<DayRequest, OptionError> {
        Ok(DayRequest {
            team: team.to_owned(),
            villages: villages.to_vec(),
            period,
            day: Some(day),
            start: latlon(self.start.as_deref(), "start")?,
            end: latlon(self.end.as_deref(), "end")?,
            max_visits: self
                .max
                .unwrap_or(DEFAULT_VISITS)
                .clamp(*MAX_VISITS.start(), *MAX_VISITS.end()),
            hours: self.hours.clone().unwrap_or_else(|| DEFAULT_HOURS.into()),
            service_minutes: self
                .service
                .unwrap_or(DEFAULT_SERVICE_MIN)
                .clamp(SERVICE_MIN.0, SERVICE_MIN.1),
            mode: mode_of(self.mode.as_deref())?,
        })
    }
}

/// `lat,lon` text as `[lon, lat]`; blank or `None` is `None`.
///
/// # Units
/// WGS84 degrees, given `lat,lon` and returned `[lon, lat]`.
fn latlon(text: Option<&str>, name: &'static str) -> Result<Option<[f64; 2]>, OptionError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            crate::roads::parse_latlon(t).map_err(|reason| OptionError::Place { name, reason })
        })
        .transpose()
}

/// The travel mode named (default: motorbike).
///
/// # Errors
/// [`OptionError::Mode`] for any other word.
pub fn mode_of(text: Option<&str>) -> Result<Mode, OptionError> {
    let text = text.unwrap_or(Mode::default().as_str());
    Mode::ALL
        .into_iter()
        .find(|m| m.as_str() == text)
        .ok_or_else(|| OptionError::Mode(text.to_owned()))
}

/// The day a plan is for: `date=YYYY-MM-DD` (the phone sends its own), else the day
/// it is at `now` in western Indonesia (UTC+7, [`WIB_OFFSET_SECS`]), so a plan made
/// at 06:30 WIB (23:30 UTC the day before) is for the same day.
///
/// # Units
/// `now` in seconds since the Unix epoch (UTC).
///
/// # Errors
/// [`OptionError::Date`] for a date that is not `YYYY-MM-DD`.
pub fn plan_day_of(text: Option<&str>, now: i64) -> Result<NaiveDate, OptionError> {
    match text.filter(|t| !t.trim().is_empty()) {
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map_err(|_| OptionError::Date(t.to_owned())),
        None => Ok(chrono::DateTime::from_timestamp(now + WIB_OFFSET_SECS, 0)
            .map_or(NaiveDate::MIN, |t| t.date_naive())),
    }
}

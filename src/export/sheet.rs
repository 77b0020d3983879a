//! The priority table as people read it: column names in Bahasa Indonesia (or
//! English, or the API's keys for machines), values rounded for a meeting, a file
//! name that says the period and the weights, and the "keterangan" (about) rows that
//! record how the table was made.

use crate::config::Weights;
use crate::model::Period;
use crate::risk::targets::{Cell, Targets};
use crate::risk::{Access, Factor};

/// Which column names (and how values are shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Columns {
    /// Bahasa Indonesia, values rounded (the default).
    #[default]
    Id,
    /// English, values rounded.
    En,
    /// The API's keys (`rank`, `n_prevalence`, ...) and every digit: for machines.
    Key,
}

impl Columns {
    /// `id`, `en` or `key`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "" => Some(Self::Id),
            "en" => Some(Self::En),
            "key" | "keys" => Some(Self::Key),
            _ => None,
        }
    }

    fn pick(self, id: &str, en: &str) -> String {
        if self == Self::En { en } else { id }.to_owned()
    }
}

/// How the table was made, for its file name and its "keterangan" rows.
#[derive(Debug, Clone)]
pub struct About {
    /// The city or regency, when the config names it.
    pub city: Option<String>,
    pub period: Option<Period>,
    /// The store revision the figures come from.
    pub revision: u64,
    pub weights: Weights,
    /// Whether `weights` are the configured ones (not a what-if).
    pub configured_weights: bool,
    /// `percentile` or `cap`.
    pub normalisation: String,
    /// When the file was made, `YYYY-MM-DD HH:MM UTC`.
    pub made: String,
}

impl About {
    /// The current time as `YYYY-MM-DD HH:MM UTC`.
    #[must_use]
    pub fn now() -> String {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
    }

    /// `sigap-prioritas-2026-08-bobot-prev30-stunting10-jamban20-air15-sanitasi10-puskesmas15.xlsx`:
    /// the period and every weight (in hundredths) in the name.
    #[must_use]
    pub fn file_name(&self, extension: &str) -> String {
        let weights: Vec<String> = Factor::ALL
            .iter()
            .zip(self.weights.to_array())
            .map(|(f, w)| format!("{}{}", short_key(*f), hundredths(w)))
            .collect();
        let period = self.period.map(|p| format!("-{p}")).unwrap_or_default();
        format!(
            "sigap-prioritas{period}-bobot-{}.{extension}",
            weights.join("-")
        )
    }

    /// The "keterangan" sheet: (what, value) rows in the language of `columns`.
    #[must_use]
    pub fn rows(&self, columns: Columns, shown: usize) -> Vec<(String, String)> {
        let c = columns;
        let mut rows = vec![(
            c.pick("Judul", "Title"),
            c.pick(
                "Desa/kelurahan prioritas (lokus) penurunan stunting",
                "Priority villages (lokus) for stunting reduction",
            ),
        )];
        if let Some(city) = &self.city {
            rows.push((c.pick("Wilayah", "Area"), city.clone()));
        }
        rows.extend([
            (
                c.pick("Periode pengukuran", "Measurement period"),
                self.period
                    .map_or_else(|| "-".to_owned(), |p| p.to_string()),
            ),
            (
                c.pick("Revisi data", "Data revision"),
                self.revision.to_string(),
            ),
            (c.pick("Dibuat", "Made"), self.made.clone()),
            (
                c.pick("Jumlah desa/kelurahan", "Villages listed"),
                shown.to_string(),
            ),
            (
                c.pick("Bobot", "Weights"),
                if self.configured_weights {
                    c.pick(
                        "sesuai konfigurasi (sigap.toml)",
                        "as configured (sigap.toml)",
                    )
                } else {
                    c.pick("simulasi (diubah di peta)", "what-if (changed on the map)")
                },
            ),
        ]);
        for (f, w) in Factor::ALL.iter().zip(self.weights.to_array()) {
            rows.push((
                format!("{} {}", c.pick("Bobot", "Weight"), factor_name(*f, c)),
                format!("{}", round(w, 4)),
            ));
        }
        rows.push((
            c.pick("Normalisasi", "Normalisation"),
            self.normalisation.clone(),
        ));
        rows.push((
            c.pick("Catatan", "Note"),
            c.pick(
                "Skor risiko 0-1 = jumlah (bobot x nilai ternormalisasi) / jumlah bobot. \
                 Data agregat per desa/kelurahan, tanpa data individu.",
                "Risk score 0-1 = sum(weight x normalised value) / sum of weights. \
                 Village aggregates, no individual records.",
            ),
        ));
        rows
    }
}

/// A weight as hundredths for a file name: `0.3` -> `30`, `0.125` -> `12.5`.
fn hundredths(w: f64) -> String {
    let h = round(w * 100.0, 1);
    if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        format!("{h}")
    }
}

/// Short Indonesian names of the factors for file names.
fn short_key(f: Factor) -> &'static str {
    match f {
        Factor::Prevalence => "prev",
        Factor::Stunted => "stunting",
        Factor::NoLatrine => "jamban",
        Factor::NoSafeWater => "air",
        Factor::NoSanitation => "sanitasi",
        Factor::Puskesmas => "puskesmas",
    }
}

fn factor_name(f: Factor, c: Columns) -> String {
    match f {
        Factor::Prevalence => c.pick("prevalensi dihaluskan", "smoothed prevalence"),
        Factor::Stunted => c.pick("jumlah anak stunting", "stunted children"),
        Factor::NoLatrine => c.pick("tanpa jamban", "no latrine"),
        Factor::NoSafeWater => c.pick("tanpa air minum layak", "no safe drinking water"),
        Factor::NoSanitation => c.pick("tanpa sanitasi layak", "no improved sanitation"),
        Factor::Puskesmas => c.pick("akses puskesmas", "puskesmas access"),
    }
}

/// `x` to `digits` decimals (as the nearest double, so `0.949`, not `0.9490000001`).
fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

/// How a column's values are shown.
#[derive(Clone, Copy)]
enum Show {
    AsIs,
    /// Rounded to this many decimals.
    Decimals(i32),
    /// A share as a percentage with this many decimals.
    Percent(i32),
    /// 1/0 as ya/tidak (yes/no).
    YesNo,
}

/// The header and shown value of the column with API key `key`.
fn column(key: &str, c: Columns, access: Access) -> (String, Show) {
    let factor = |k: &str| Factor::ALL.into_iter().find(|f| f.key() == k);
    if let Some(f) = key.strip_prefix("value_").and_then(factor) {
        let (unit, show) = match f {
            Factor::Stunted => (c.pick("anak", "children"), Show::AsIs),
            Factor::Puskesmas => (
                match access {
                    Access::Km => "km".to_owned(),
                    Access::Minutes => c.pick("menit", "minutes"),
                },
                Show::Decimals(1),
            ),
            _ => ("%".to_owned(), Show::Percent(1)),
        };
        let name = format!(
            "{}: {} ({unit})",
            c.pick("Nilai", "Value"),
            factor_name(f, c)
        );
        return (name, show);
    }
    if let Some(f) = key.strip_prefix("n_").and_then(factor) {
        let head = c.pick("Ternormalisasi", "Normalised");
        return (format!("{head}: {}", factor_name(f, c)), Show::Decimals(3));
    }
    if let Some(f) = key.strip_prefix("c_").and_then(factor) {
        let head = c.pick("Kontribusi", "Contribution");
        return (format!("{head}: {}", factor_name(f, c)), Show::Decimals(3));
    }
    let (id, en, show) = match key {
        "rank" => ("Peringkat", "Rank", Show::AsIs),
        "code" => ("Kode wilayah", "Code", Show::AsIs),
        "name" => ("Desa/Kelurahan", "Village", Show::AsIs),
        "district" => ("Kecamatan", "District", Show::AsIs),
        "score" => ("Skor risiko (0-1)", "Risk score (0-1)", Show::Decimals(3)),
        "children" => ("Anak diukur", "Children measured", Show::AsIs),
        "stunted" => ("Anak stunting", "Stunted children", Show::AsIs),
        "households" => ("Rumah tangga", "Households", Show::AsIs),
        "prevalence" => ("Prevalensi (%)", "Prevalence (%)", Show::Percent(1)),
        "min_rank" => (
            "Peringkat terbaik (bobot ±20%)",
            "Best rank (weights ±20%)",
            Show::AsIs,
        ),
        "max_rank" => (
            "Peringkat terburuk (bobot ±20%)",
            "Worst rank (weights ±20%)",
            Show::AsIs,
        ),
        "top_share" => (
            "Tetap prioritas (% skenario)",
            "Stays a priority (% of scenarios)",
            Show::Percent(0),
        ),
        "always_top" => ("Selalu prioritas", "Always a priority", Show::YesNo),
        "reason" => ("Alasan", "Reason", Show::AsIs),
        other => (other, other, Show::AsIs),
    };
    (c.pick(id, en), show)
}

fn shown(cell: Cell, show: Show, c: Columns) -> Cell {
    match (cell, show) {
        (Cell::Num(x), Show::Decimals(d)) => Cell::Num(x.map(|x| round(x, d))),
        (Cell::Num(x), Show::Percent(d)) => Cell::Num(x.map(|x| round(x * 100.0, d))),
        (Cell::Int(i), Show::YesNo) => Cell::Text(if i != 0 {
            c.pick("ya", "yes")
        } else {
            c.pick("tidak", "no")
        }),
        (cell, _) => cell,
    }
}

/// The table of `t` with `columns`' names and values.
#[must_use]
pub fn table(t: &Targets<'_>, columns: Columns) -> (Vec<String>, Vec<Vec<Cell>>) {
    let (keys, rows) = t.table();
    if columns == Columns::Key {
        return (keys, rows);
    }
    let access = t.list.first().map_or(Access::Km, |x| x.risk.access);
    let spec: Vec<(String, Show)> = keys.iter().map(|k| column(k, columns, access)).collect();
    let rows = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&spec)
                .map(|(cell, (_, show))| shown(cell, *show, columns))
                .collect()
        })
        .collect();
    (spec.into_iter().map(|(h, _)| h).collect(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_gives_the_short_double() {
        assert_eq!(round(0.949_218_749_999_999_9, 3).to_string(), "0.949");
        assert_eq!(round(0.123_456 * 100.0, 1).to_string(), "12.3");
    }

    #[test]
    fn file_name_carries_period_and_weights() {
        let about = About {
            city: None,
            period: Period::new(2026, 8),
            revision: 3,
            weights: Weights {
                no_latrine: 0.125,
                ..Weights::default()
            },
            configured_weights: false,
            normalisation: "percentile".into(),
            made: String::new(),
        };
        assert_eq!(
            about.file_name("csv"),
            "sigap-prioritas-2026-08-bobot-prev30-stunting10-jamban12.5-air15-sanitasi10-puskesmas15.csv"
        );
    }

    #[test]
    fn headers_per_language() {
        assert_eq!(
            column("n_no_latrine", Columns::Id, Access::Km).0,
            "Ternormalisasi: tanpa jamban"
        );
        assert_eq!(
            column("value_puskesmas", Columns::En, Access::Minutes).0,
            "Value: puskesmas access (minutes)"
        );
        assert_eq!(
            column("prevalence", Columns::Id, Access::Km).0,
            "Prevalensi (%)"
        );
    }
}

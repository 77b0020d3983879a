//! One configuration for the risk model and the server, read from `sigap.toml`.
//!
//! Planners tune the risk score by editing weights, not code, so the factors, their
//! normalisation caps and their weights live in a small TOML file. Every value has a
//! named default here; the shipped `sigap.toml` repeats them (a test keeps the two in
//! step) so the file documents itself.

mod access;
mod measurement;

pub use access::*;
pub use measurement::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Default weight of the (spatially Empirical Bayes smoothed) stunting prevalence.
pub const DEFAULT_W_PREVALENCE: f64 = 0.30;
/// Default weight of the number of stunted children.
pub const DEFAULT_W_STUNTED: f64 = 0.10;
/// Default weight of the share of households without a latrine.
pub const DEFAULT_W_NO_LATRINE: f64 = 0.20;
/// Default weight of the share of households without safe drinking water.
pub const DEFAULT_W_NO_SAFE_WATER: f64 = 0.15;
/// Default weight of the share of households without improved sanitation.
pub const DEFAULT_W_NO_SANITATION: f64 = 0.10;
/// Default weight of the distance to the nearest puskesmas.
pub const DEFAULT_W_PUSKESMAS: f64 = 0.15;
/// Default normalisation: percentile rank among the areas of the same kind.
pub const DEFAULT_NORMALISATION: NormalisationMethod = NormalisationMethod::Percentile;
/// Prevalence at which the prevalence factor saturates at 1 (WHO "very high": 30%).
pub const DEFAULT_PREVALENCE_CAP: f64 = 0.30;
/// Distance in km at which the distance factor saturates at 1.
pub const DEFAULT_DISTANCE_CAP_KM: f64 = 10.0;
/// Default cap of the access factor with roads: 30 minutes or more count as 1.
pub const DEFAULT_TRAVEL_CAP_MINUTES: f64 = 30.0;
/// Stunted children at which the stunted-count factor saturates at 1 (`cap` method).
pub const DEFAULT_STUNTED_CAP: f64 = 20.0;
/// H3 grid distance of the neighbours cells are smoothed and tested over (Gi*).
pub const DEFAULT_SPATIAL_K: u32 = 1;
/// Fewest children measured for an area to be called hot or cold.
pub const DEFAULT_MIN_CHILDREN: u32 = 5;
/// Tiles kept in the in-memory cache before it is emptied.
pub const DEFAULT_TILE_CACHE_ENTRIES: usize = 50_000;
/// Largest request body outside imports: 64 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest uploaded import file: 256 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// Largest size a compressed upload (XLSX, ODS, KMZ: zip archives) may unpack to:
/// 256 MiB, about a million spreadsheet rows. A 5 MB file can hold a gigabyte of
/// sheet XML, which the spreadsheet reader would hold in memory.
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Longest an import over HTTP may take, in seconds, before it is rolled back and
/// answered 408 (other requests get 30 s).
pub const DEFAULT_IMPORT_TIMEOUT_SECONDS: u64 = 600;

/// Weights of the risk factors. They need not sum to 1: the score divides by their sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub prevalence: f64,
    pub stunted: f64,
    pub no_latrine: f64,
    pub no_safe_water: f64,
    pub no_sanitation: f64,
    /// Access to the nearest puskesmas (today straight-line km; travel time later).
    /// `puskesmas_km`, its name before travel time was planned, is still read.
    #[serde(alias = "puskesmas_km")]
    pub puskesmas: f64,
}

impl Weights {
    /// The weights in [`crate::risk::Factor::ALL`] order.
    #[must_use]
    pub fn to_array(&self) -> [f64; 6] {
        [
            self.prevalence,
            self.stunted,
            self.no_latrine,
            self.no_safe_water,
            self.no_sanitation,
            self.puskesmas,
        ]
    }

    /// Weights from an array in [`crate::risk::Factor::ALL`] order.
    #[must_use]
    pub fn from_array(a: [f64; 6]) -> Self {
        Self {
            prevalence: a[0],
            stunted: a[1],
            no_latrine: a[2],
            no_safe_water: a[3],
            no_sanitation: a[4],
            puskesmas: a[5],
        }
    }

    /// Checks each weight is finite and >= 0 and that one is > 0.
    pub fn validate(&self) -> Result<(), String> {
        let names = [
            "prevalence",
            "stunted",
            "no_latrine",
            "no_safe_water",
            "no_sanitation",
            "puskesmas",
        ];
        for (name, v) in names.iter().zip(self.to_array()) {
            if !v.is_finite() || v < 0.0 {
                return Err(format!("weight {name} = {v} must be a finite number >= 0"));
            }
        }
        if self.to_array().iter().sum::<f64>() <= 0.0 {
            return Err("at least one weight must be > 0".into());
        }
        Ok(())
    }
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            prevalence: DEFAULT_W_PREVALENCE,
            stunted: DEFAULT_W_STUNTED,
            no_latrine: DEFAULT_W_NO_LATRINE,
            no_safe_water: DEFAULT_W_NO_SAFE_WATER,
            no_sanitation: DEFAULT_W_NO_SANITATION,
            puskesmas: DEFAULT_W_PUSKESMAS,
        }
    }
}

/// How raw factor values are brought into 0..1 (see [`crate::risk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalisationMethod {
    /// Share of the areas of the same kind with a strictly lower value.
    Percentile,
    /// Value divided by a cap, at most 1 (shares are used as they are).
    Cap,
}

/// The normalisation method, and the caps the `cap` method uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Normalisation {
    pub method: NormalisationMethod,
    /// Prevalence (0..1) at or above which the factor is 1.
    pub prevalence_cap: f64,
    /// Stunted children at or above which the factor is 1.
    pub stunted_cap: f64,
    /// Distance (km) at or above which the factor is 1 (without a road network).
    pub distance_cap_km: f64,
    /// Travel time (minutes) at or above which the factor is 1.
    pub travel_cap_minutes: f64,
}

impl Default for Normalisation {
    fn default() -> Self {
        Self {
            method: DEFAULT_NORMALISATION,
            prevalence_cap: DEFAULT_PREVALENCE_CAP,
            stunted_cap: DEFAULT_STUNTED_CAP,
            distance_cap_km: DEFAULT_DISTANCE_CAP_KM,
            travel_cap_minutes: DEFAULT_TRAVEL_CAP_MINUTES,
        }
    }
}

/// Neighbourhoods for smoothing and hot spots.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spatial {
    /// H3 ring (grid distance) of a cell's neighbours, 1..=5.
    pub k: u32,
    /// Areas with fewer children measured are never called hot or cold.
    pub min_children: u32,
}

impl Default for Spatial {
    fn default() -> Self {
        Self {
            k: DEFAULT_SPATIAL_K,
            min_children: DEFAULT_MIN_CHILDREN,
        }
    }
}

/// Server settings that are not per-request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub tile_cache_entries: usize,
    /// Threads answering HTTP, each a single-threaded runtime its connections stay
    /// on; 0: one per core.
    pub http_threads: usize,
    /// Largest request body (logins, forms); larger ones are answered 413.
    pub max_body_bytes: usize,
    /// Largest file uploaded to `POST /api/import/...`.
    pub max_upload_bytes: usize,
    /// Largest size an uploaded zip-based file (XLSX, ODS, KMZ) may unpack to.
    pub max_unpacked_bytes: u64,
    /// Longest an import over HTTP may run; past it the import is rolled back (408).
    pub import_timeout_seconds: u64,
    /// The address the public reaches this server at, e.g. `https://peta.kota.go.id`
    /// (behind a reverse proxy): absolute tile URLs in the public TileJSON. Without
    /// it those URLs are paths (`/public/tiles/...`); the request's Host header is
    /// never copied into an answer caches keep.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed
    /// (addresses or blocks, `["127.0.0.1", "10.0.0.0/8"]`); empty: nobody's. See
    /// [`crate::proxy::client_address`].
    pub trusted_proxies: Vec<crate::proxy::Cidr>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            tile_cache_entries: DEFAULT_TILE_CACHE_ENTRIES,
            http_threads: 0,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_unpacked_bytes: DEFAULT_MAX_UNPACKED_BYTES,
            import_timeout_seconds: DEFAULT_IMPORT_TIMEOUT_SECONDS,
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The place sigap serves, as its maps, exports and the public embed name it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CitySettings {
    /// `Kota Kendari`, `Kabupaten Konawe Selatan`; none: the pages name no place.
    pub name: Option<String>,
}

/// Everything configurable, as read from `sigap.toml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub city: CitySettings,
    pub weights: Weights,
    pub normalisation: Normalisation,
    pub spatial: Spatial,
    pub server: ServerSettings,
    pub auth: AuthSettings,
    pub public: PublicSettings,
    pub roads: crate::roads::RoadSettings,
    pub basemap: BasemapSettings,
    pub measurement: MeasurementSettings,
    pub survey: SurveySettings,
    /// The convergence programmes (`[[programmes]]`); empty: the built-in catalogue
    /// ([`crate::model::default_programmes`]).
    pub programmes: Vec<crate::model::Programme>,
}

/// `[basemap]`: what the viewer draws under the risk layers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BasemapSettings {
    /// An external basemap instead of sigap's own, for a city with internet (see
    /// [`ExternalBasemap`]): an XYZ raster template
    /// (`https://tile.example.org/{z}/{x}/{y}.png`) or a PMTiles archive
    /// (`https://tiles.example.org/kota.pmtiles`, `/peta/kota.pmtiles` or
    /// `pmtiles://...`). `None` (the default): sigap's own vector basemap from the
    /// stored OpenStreetMap extract, no internet needed.
    pub url: Option<String>,
}

impl BasemapSettings {
    /// What `url` names; `None` without one. `Err` says why a url is not usable,
    /// naming the setting.
    pub fn external(&self) -> Result<Option<ExternalBasemap<'_>>, String> {
        self.url.as_deref().map(ExternalBasemap::parse).transpose()
    }
}

/// An external basemap named by `[basemap] url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalBasemap<'a> {
    /// An http(s) XYZ raster template with `{z}`, `{x}` and `{y}`: drawn instead of
    /// sigap's fills and streets, village boundaries and names still over it.
    Xyz(&'a str),
    /// A PMTiles v3 archive read with HTTP Range requests: an http(s) URL, or a path
    /// on the page's own origin (`/peta/kota.pmtiles`), without the `pmtiles://`
    /// prefix. The viewer reads its header: a raster archive draws like
    /// [`ExternalBasemap::Xyz`], a vector archive must follow sigap's basemap schema
    /// (what `sigap publish` writes to `basemap.pmtiles`) and gets sigap's style.
    Pmtiles(&'a str),
}

impl<'a> ExternalBasemap<'a> {
    /// Reads `[basemap] url`: `pmtiles://` followed by an http(s) URL or a `/path`,
    /// an http(s) URL or `/path` ending in `.pmtiles`, or an http(s) XYZ template.
    pub fn parse(url: &'a str) -> Result<Self, String> {
        let web = |u: &str| {
            let host = u
                .strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
                .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
            host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        };
        let path = |u: &str| u.starts_with('/') && !u.starts_with("//") && u.len() > 1;
        if let Some(rest) = url.strip_prefix("pmtiles://") {
            return if web(rest) || path(rest) {
                Ok(Self::Pmtiles(rest))
            } else {
                Err(format!(
                    "[basemap] url = {url:?}: after pmtiles:// comes the archive's http(s) URL \
                     or its /path on this site, e.g. pmtiles://https://tiles.example.org/kota.pmtiles"
                ))
            };
        }
        let archive = url.split(['?', '#']).next().unwrap_or_default();
        if archive.ends_with(".pmtiles") && (web(url) || path(url)) {
            return Ok(Self::Pmtiles(url));
        }
        if web(url) && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
            return Ok(Self::Xyz(url));
        }
        Err(format!(
            "[basemap] url = {url:?} must be an http(s) XYZ raster template with {{z}}, {{x}} \
             and {{y}} (https://tile.example.org/{{z}}/{{x}}/{{y}}.png) or a PMTiles archive: an \
             http(s) URL or /path ending in .pmtiles, or pmtiles://<url or /path>"
        ))
    }

    /// The origin (`https://host[:port]`) pages must be allowed to fetch from;
    /// `None` for an archive on the page's own origin.
    #[must_use]
    pub fn origin(&self) -> Option<(&'a str, &'a str)> {
        let url = match self {
            Self::Xyz(u) | Self::Pmtiles(u) => *u,
        };
        let (scheme, rest) = url.split_once("://")?;
        Some((
            scheme,
            rest.split(['/', '?', '#']).next().unwrap_or_default(),
        ))
    }
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: check the path given to `--config`.
    #[error("cannot read config {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or names an unknown key: compare with the shipped `sigap.toml`.
    #[error("invalid config {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    /// A weight or cap is negative, not finite, or all weights are zero.
    #[error("invalid config {path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

impl Config {
    /// Reads and validates a config file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses and validates config text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        config.validate().map_err(|reason| ConfigError::Invalid {
            path: path.to_owned(),
            reason,
        })?;
        Ok(config)
    }

    /// The programme catalogue: `[[programmes]]`, or the built-in one when none is listed.
    #[must_use]
    pub fn programmes(&self) -> Vec<crate::model::Programme> {
        if self.programmes.is_empty() {
            crate::model::default_programmes()
        } else {
            self.programmes.clone()
        }
    }

    /// Checks that weights and caps are usable.
    pub fn validate(&self) -> Result<(), String> {
        self.weights.validate()?;
        let mut codes = std::collections::HashSet::new();
        let mut items = std::collections::HashMap::new();
        for p in &self.programmes {
            if let Some(item) = p.visit_item.as_deref() {
                if !crate::model::DELIVERED_VISIT_ITEMS.contains(&item) {
                    return Err(format!(
                        "programmes: {:?} has visit_item = {item:?}; a visit item that is a \
                         delivery is one of {}",
                        p.code,
                        crate::model::DELIVERED_VISIT_ITEMS.join(", ")
                    ));
                }
                if p.target != crate::model::Beneficiary::Child {
                    return Err(format!(
                        "programmes: {:?} has visit_item = {item:?} but reaches a {}; a home \
                         visit gives to a child",
                        p.code, p.target
                    ));
                }
                if let Some(other) = items.insert(item, p.code.as_str()) {
                    return Err(format!(
                        "programmes: visit_item = {item:?} is named by {other:?} and {:?}",
                        p.code
                    ));
                }
            }
            let ok = !p.code.is_empty()
                && p.code.len() <= 32
                && p.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(format!(
                    "programmes: code {:?} must be 1-32 lower-case letters, digits or _ (e.g. \"pmt\")",
                    p.code
                ));
            }
            if !codes.insert(p.code.as_str()) {
                return Err(format!("programmes: code {:?} is listed twice", p.code));
            }
            if let Some(need) = p.need
                && !need.fits(p.target)
            {
                return Err(format!(
                    "programmes: {:?} reaches a {} but need = {:?} counts {}",
                    p.code,
                    p.target,
                    need.key(),
                    need.counts()
                ));
            }
        }
        let n = &self.normalisation;
        if !(n.prevalence_cap > 0.0 && n.prevalence_cap <= 1.0) {
            return Err(format!(
                "normalisation.prevalence_cap = {} must be in (0, 1]",
                n.prevalence_cap
            ));
        }
        if !(n.distance_cap_km.is_finite() && n.distance_cap_km > 0.0) {
            return Err(format!(
                "normalisation.distance_cap_km = {} must be > 0",
                n.distance_cap_km
            ));
        }
        if !(n.travel_cap_minutes.is_finite() && n.travel_cap_minutes > 0.0) {
            return Err(format!(
                "normalisation.travel_cap_minutes = {} must be > 0",
                n.travel_cap_minutes
            ));
        }
        if !(n.stunted_cap.is_finite() && n.stunted_cap > 0.0) {
            return Err(format!(
                "normalisation.stunted_cap = {} must be > 0",
                n.stunted_cap
            ));
        }
        if !(1..=5).contains(&self.spatial.k) {
            return Err(format!(
                "spatial.k = {} must be 1..5 (H3 rings)",
                self.spatial.k
            ));
        }
        self.roads.speeds()?;
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!(
                "server.public_url = {url:?} must start with https:// (or http://)"
            ));
        }
        self.basemap.external()?;
        self.measurement.validate()?;
        self.survey.validate()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_equals_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sigap.toml");
        let c = Config::from_file(&path).expect("shipped sigap.toml parses");
        assert_eq!(c, Config::default());
    }

    #[test]
    fn trusted_proxies_and_public_url_are_checked() {
        let p = Path::new("x.toml");
        let c = Config::from_toml(
            "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n",
            p,
        )
        .expect("proxies");
        assert_eq!(c.server.trusted_proxies.len(), 2);
        assert!(crate::proxy::is_trusted(
            &c.server.trusted_proxies,
            "10.9.8.7".parse().expect("ip")
        ));
        let e = Config::from_toml("[server]\ntrusted_proxies = [\"10.0.0.0/40\"]\n", p)
            .expect_err("prefix");
        assert!(e.to_string().contains("10.0.0.0/40"), "{e}");
        let e = Config::from_toml("[server]\npublic_url = \"peta.kota.go.id\"\n", p)
            .expect_err("no scheme");
        assert!(e.to_string().contains("https://"), "{e}");
    }

    #[test]
    fn basemap_url_must_be_an_xyz_template() {
        let p = Path::new("x.toml");
        let c = Config::from_toml(
            "[basemap]\nurl = \"https://t.example.org/{z}/{x}/{y}.png\"\n",
            p,
        )
        .expect("template");
        assert_eq!(
            c.basemap.url.as_deref(),
            Some("https://t.example.org/{z}/{x}/{y}.png")
        );
        let e = Config::from_toml("[basemap]\nurl = \"https://t.example.org/tile.png\"\n", p)
            .expect_err("no placeholders");
        assert!(e.to_string().contains("[basemap] url"), "{e}");
        assert!(Config::default().basemap.url.is_none());
    }

    #[test]
    fn basemap_url_may_name_a_pmtiles_archive() {
        let p = Path::new("x.toml");
        let read = |url: &str| {
            let c = Config::from_toml(&format!("[basemap]\nurl = {url:?}\n"), p);
            c.map(|c| c.basemap.url)
        };
        for (url, archive, origin) in [
            (
                "https://tiles.example.org/kota.pmtiles",
                "https://tiles.example.org/kota.pmtiles",
                Some(("https", "tiles.example.org")),
            ),
            (
                "pmtiles://http://10.0.0.5:8080/peta/kota.pmtiles",
                "http://10.0.0.5:8080/peta/kota.pmtiles",
                Some(("http", "10.0.0.5:8080")),
            ),
            ("/peta/kota.pmtiles", "/peta/kota.pmtiles", None),
            (
                "pmtiles:///peta/kota.pmtiles?v=2",
                "/peta/kota.pmtiles?v=2",
                None,
            ),
        ] {
            assert_eq!(read(url).expect(url).as_deref(), Some(url));
            let e = ExternalBasemap::parse(url).expect(url);
            assert_eq!(e, ExternalBasemap::Pmtiles(archive));
            assert_eq!(e.origin(), origin, "{url}");
        }
        for bad in [
            "kota.pmtiles",
            "ftp://tiles.example.org/kota.pmtiles",
            "https:///kota.pmtiles",
            "pmtiles://kota.pmtiles",
            "pmtiles://",
            "//tiles.example.org/kota.pmtiles",
            "https://tiles.example.org/kota.mbtiles",
        ] {
            let e = read(bad).expect_err(bad).to_string();
            assert!(e.contains("[basemap] url") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn measurement_and_survey_are_checked() {
        let p = Path::new("x.toml");
        let c = Config::from_toml(
            "[measurement]\nmin_coverage = 0.7\nraster = \"people\"\n\
             [survey]\nprevalence_percent = 20.8\nyear = 2024\n",
            p,
        )
        .expect("measurement and survey");
        assert!((c.measurement.under_five_per_unit() - DEFAULT_UNDER_FIVE_SHARE).abs() < 1e-12);
        assert_eq!(c.survey.prevalence_percent, Some(20.8));
        assert!((Config::default().measurement.under_five_per_unit() - 1.0).abs() < 1e-12);
        for (bad, key) in [
            ("[measurement]\nmin_coverage = 80\n", "min_coverage"),
            ("[measurement]\nunder_five_share = 0\n", "under_five_share"),
            ("[survey]\nprevalence_percent = 120\n", "prevalence_percent"),
            ("[survey]\nyear = 2024\n", "prevalence_percent"),
        ] {
            let e = Config::from_toml(bad, p).expect_err(bad);
            assert!(e.to_string().contains(key), "{e}");
        }
        assert!(Config::from_toml("[survey]\nssgi = 20\n", p).is_err());
    }

    #[test]
    fn rejects_negative_weight_and_unknown_key() {
        let p = Path::new("x.toml");
        let e = Config::from_toml("[weights]\nprevalence = -1\n", p).expect_err("negative");
        assert!(e.to_string().contains("prevalence"), "{e}");
        assert!(Config::from_toml("[weights]\nlatrine = 1\n", p).is_err());
        let c = Config::from_toml("[weights]\nno_latrine = 0.5\n", p).expect("partial file");
        assert!((c.weights.no_latrine - 0.5).abs() < f64::EPSILON);
        assert!((c.weights.prevalence - DEFAULT_W_PREVALENCE).abs() < f64::EPSILON);
        let e = Config::from_toml("[spatial]\nk = 0\n", p).expect_err("k 0");
        assert!(e.to_string().contains("spatial.k"), "{e}");
        let e = Config::from_toml("[normalisation]\nmethod = \"rank\"\n", p).expect_err("method");
        assert!(e.to_string().contains("percentile"), "{e}");
        let c = Config::from_toml("[weights]\npuskesmas_km = 0.3\n", p).expect("old key");
        assert!((c.weights.puskesmas - 0.3).abs() < f64::EPSILON);
        let c = Config::from_toml("[normalisation]\nmethod = \"cap\"\n", p).expect("cap");
        assert_eq!(c.normalisation.method, NormalisationMethod::Cap);
    }
}

//! sigap: a spatial risk service for stunting reduction in Indonesian cities.
//!
//! Stunting cases are joined with household sanitation, latrines and distance to the
//! puskesmas into H3 cells and villages, scored, and served as vector tiles and JSON
//! to planners, city website embeds and field teams.
//!
//! # Code map
//! Data flow from left to right; dependencies point the same way, and [`model`], the
//! shared vocabulary, depends on no other module.
//!
//! ```text
//! ingest ──► store ──► index ──► analysis ──► tiles ──► snapshot ──► http
//! (read,     (GeoPackage (R-trees, (per-area    (MVT,     (one revision (axum routes,
//!  validate,  file,       H3 cells, figures,     sources); analysed,     callers,
//!  pseudonymise) revision, lookups, scores,      public    built while   state, cache)
//!             Dataset)    cases)   hot spots)    figures   the last one
//!                  roads ─────┘  risk ─┘                   answers)
//!                  (graphs)      (pure maths)
//!
//! snapshot ──► field, visits, routes, teams ──► http, and cli/
//!              (the use cases: no axum, no I/O; the handlers and the commands call them)
//! ```
//!
//! - [`auth`]: accounts and roles (Argon2id passwords, sessions, API tokens, the
//!   append-only audit log, the brute-force policy) and [`auth::Caller`], whose role
//!   decides its [`model::Scope`]: which case records a request may read.
//! - [`public`]: what the public map may show: counts per village and H3 cell (res <= 8)
//!   with small counts suppressed and complementary suppression, and their tiles.
//! - [`model`]: the shared vocabulary (`Village`, `Child`, `Household`, `Facility`, `Counts`, `TileCoord`),
//!   and [`model::Period`], the measurement period (`YYYY-MM`) every child belongs to;
//!   [`model::TargetGroups`], the BKKBN target groups of a household's family;
//!   [`model::families`], which families are at risk of stunting (BKKBN);
//!   [`model::Programme`] and [`model::Delivery`], the convergence programmes
//!   (`[[programmes]]` in `sigap.toml`) and what they gave; [`model::Scope`], which
//!   case records a reader may see (every one, none, or a team's in its villages).
//! - [`config`]: weights, normalisation and server settings from `sigap.toml`.
//! - [`assets`]: the viewer (`web/`) and MapLibre GL JS compiled into the binary (the
//!   list is written by `build.rs`), or read from disk with `serve --web-dir`.
//! - [`proxy`]: which address a request comes from behind trusted reverse proxies
//!   (`X-Forwarded-For`, `[server] trusted_proxies`).
//! - [`ingest`]: one reader per format behind one seam (GDAL for GIS files), column
//!   mapping, reprojection to WGS84 (PROJ), row validation, keyed pseudonyms,
//!   all-or-nothing streamed imports; population rasters summed into cells and villages
//!   ([`ingest::population`], which looks up cells and villages through [`index`]);
//!   village boundaries checked by a sweep, not pairwise; zip-based uploads measured
//!   from their central directory before anything reads them ([`ingest::archive`]);
//!   an [`ingest::Gate`] lets a caller stop an import or add to its transaction;
//!   children's and households' names and addresses sealed with XChaCha20-Poly1305
//!   under an identity key kept beside the pseudonym key ([`ingest::identity`]), and
//!   re-sealed under a new one in one transaction ([`ingest::rotate`]).
//! - [`store`]: the embedded store, a GeoPackage (SQLite) file; everything it holds loads
//!   back as one [`store::Dataset`]; one transaction per import;
//!   one row per child and period; the road network, the known teams, team assignments
//!   and home visits; sealed identities (`sigap_identities`), which it stores but cannot
//!   open; the intervention ledger (`sigap_deliveries`); planners' decisions on the
//!   case audit lists (`sigap_case_audits`, append-only); the rembuk's decisions per
//!   village and round (`sigap_rembuk`, append-only); the measurement targets
//!   per village (`sigap_measure_targets`, [`ingest::measure_targets`] reads and
//!   imports them for `sigap import` and `POST /api/import/measure-targets`).
//!   [`store::pg`] is the shared store on PostgreSQL/PostGIS for several servers
//!   (schema, roles, the store-wide write lock, revision notifications, every layer
//!   and record the file holds; `sigap db init|status`); [`store::Db`] is what `--db`
//!   names (a file or a `postgres://` URL) and [`store::AnyStore`] either one, so
//!   every command and `serve` run on both; [`store::sql`] runs the small statements
//!   written once for both (the accounts and the audit log).
//! - [`index`]: which village a point is in (rstar), nearest facility, H3 cells (h3o),
//!   neighbour lists (H3 k-rings, adjacent villages), and the case records
//!   ([`index::cases`]) filtered by a [`model::Scope`]; it knows no caller.
//! - [`analysis`]: the analysis stage: [`analysis::Analysis`], the per-area figures
//!   with access, smoothed prevalence, hot spots and risk scores (computed per
//!   period); [`analysis::change`], each area's change between two periods
//!   (followed, newly stunted, recovered).
//! - [`snapshot`]: one store revision analysed for every period, with its tile
//!   sources, case records, basemap, and the public figures and programme coverage
//!   built on first request; shared by the server's handlers and `sigap publish`.
//! - [`risk`]: the explainable score (six factors normalised over a set of areas,
//!   what-if weights in [`risk::weights`]), priority villages with reasons and ±20%
//!   weight stability ([`risk::targets`], [`risk::reason`], [`risk::stability`]), WHO 2006 z-scores
//!   ([`risk::zscore`]), the plausibility checks of a visit's measurement
//!   ([`risk::plausibility`]), Empirical Bayes smoothing, Getis-Ord Gi* hot spots with an FDR correction, and
//!   [`risk::coverage`], the programmes' reach over their targets per village, and
//!   [`risk::plan`], plan against delivery per OPD or sponsor and the villages nobody reached, and
//!   [`risk::audit`], the case audit and re-measure lists of a period, and
//!   [`risk::measurement`], children measured against a target per village and the
//!   register's prevalence beside the survey's (SSGI); pure, no I/O.
//! - [`tiles`]: Web Mercator, clipping, simplification, MVT encoding, and tile sources
//!   built from an analysis (the finest hexagons' properties made per tile, from the
//!   analysis's figures); [`tiles::cases`], the case-level point tiles (the
//!   children or households a [`model::Scope`] may read, from zoom 12);
//!   [`tiles::glyphs`], the SDF glyph ranges map labels are drawn from, made from the
//!   DejaVu Sans fonts built into the binary (`tiles/fonts/`).
//! - [`http`]: the only module that knows axum (errors become HTTP statuses once, in
//!   [`http::ApiError`], one `From` per core error type); handlers parse the request,
//!   read and write the store, call the core ([`field`], [`visits`], [`routes`],
//!   [`teams`]) and shape the answer; the current [`snapshot::Snapshot`], `?period=` and
//!   `?compare=` on the area endpoints and tiles; the `Caller` extractor and login
//!   layer, security headers, staff routes, case-level routes, the field teams' routes
//!   and visits, `/public` and `/embed`, the glyph ranges at `/fonts` (public), one
//!   village's printable profile (`/api/villages/{code}/profile`, its standing from
//!   [`risk::targets::Targets::standing`]); every database call off the async workers
//!   (lookups through a read-only connection), tiles encoded on one long-lived
//!   thread per core, brotli or gzip as the client asks, `/api/hexes` written as it
//!   is sent, imports over HTTP on their own connection with their own deadline;
//!   requests answered on one single-threaded runtime per core ([`http::cores`]),
//!   each connection kept on one thread.
//! - [`export`]: the priority-village table as CSV, XLSX (GDAL, in memory) and GeoJSON
//!   downloads, with Indonesian (or English) column names, rounded values, the period
//!   and weights in the file name and a "keterangan" sheet ([`export::sheet`]); kept
//!   out of `risk`, which does no I/O.
//! - [`roads`]: OpenStreetMap PBF roads (osmpbf) into one graph per travel mode, each
//!   cut to its largest strongly connected component; snapping, Dijkstra from a
//!   point, from every puskesmas at once ([`roads::Catchment`], the travel time to
//!   care the risk score and map use) and matrices; a small PBF writer for the demo.
//! - [`teams`]: sharing children among teams: largest-remainder counts and compact
//!   areas (an exact min-cost transportation, [`teams::flow`]); the known teams an
//!   account may name, with the closest one for a typo ([`teams::registry`]).
//! - [`ledger`]: deliveries that come from a home visit's items (`visit_item` of a
//!   programme) and from a campaign entry (one delivery to every recipient of a
//!   village: `POST /api/deliveries/campaign`, `sigap campaign`); pure.
//! - [`visits`]: recording a home visit: the record as the phone sends it checked
//!   field by field, its measurement against the child's last one
//!   ([`risk::plausibility`]), a resend told from an id taken, and what it gave
//!   ([`ledger::of_visit`]); pure, the visit route reads and writes the store.
//! - [`routes`]: a team's day: most urgent children within the working hours, ordered
//!   over the roads ([`routes::tour`]: Held-Karp up to 12 stops, local search beyond),
//!   GeoJSON and GPX.
//! - [`field`]: the field teams' use cases over a [`snapshot::Snapshot`]'s case
//!   records, after [`routes`] and [`visits`]: the team a [`model::Scope`] may plan
//!   for, a day's options (the day in WIB) and plan ([`routes::day::team_day`]), every
//!   team's saved plan as counts, the child a visit may name (the same refusal
//!   whether or not it exists), the visits an account reads, the planners' progress
//!   and a child's height-for-age history; pure, the field routes (`/api/route`, `/api/plans`, `/api/visits`) and
//!   `sigap route` do the store I/O and the auditing.
//! - [`demo`]: the synthetic demo city modelled on Kendari (with its roads, street
//!   names, Teluk Kendari, land use and place nodes in its OpenStreetMap extract).
//! - [`publish`]: the public map as files for any web server or CDN (`sigap
//!   publish`): the public layers in a PMTiles archive per period
//!   ([`tiles::pmtiles`]), the basemap's archive, style and glyphs, the embed page
//!   and its data; after [`http`], whose state and public answers it reads.
//! - [`basemap`]: the offline basemap: streets, water, land use, buildings and
//!   places from the stored OpenStreetMap extract, village boundaries and names from
//!   the store, banded by zoom into vector tiles, and the MapLibre style drawing them.
//!
//! The binary (`src/main.rs`) only sets up logging; `src/cli/` has one module per
//! command with its flags, and `src/bench.rs` the `sigap bench` measurements.

pub mod analysis;
pub mod assets;
pub mod auth;
pub mod basemap;
pub mod config;
pub mod demo;
pub mod export;
pub mod field;
pub mod http;
pub mod index;
pub mod ingest;
pub mod ledger;
pub mod model;
pub mod proxy;
pub mod public;
pub mod publish;
pub mod risk;
pub mod roads;
pub mod routes;
pub mod snapshot;
pub mod store;
pub mod teams;
pub mod tiles;
pub mod visits;

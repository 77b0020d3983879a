//! Keeps the bundled SQLite private to the binary.
//!
//! `rusqlite` compiles its own SQLite (`bundled`: rusqlite 0.43 needs 3.45.3, Debian 12
//! ships 3.40.1), while the system GDAL reads GeoPackage files through the system
//! `libsqlite3`. Left alone, the linker exports the bundled `sqlite3_*` functions from
//! the executable and GDAL binds to them, mixing two SQLite builds on one database
//! handle (a crash in the first `ogr` call on a .gpkg). `--exclude-libs,ALL` keeps
//! symbols from static libraries out of the dynamic table, so each side uses its
//! own SQLite.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg=-Wl,--exclude-libs,ALL");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

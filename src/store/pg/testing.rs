//! A throwaway PostgreSQL cluster for the tests of this module (design note §4).
//!
//! `initdb` in a fresh directory under `/tmp`, the server on a free port with its
//! socket in that directory, trust authentication (the socket is private and TCP is
//! bound to 127.0.0.1), `--no-locale` and `fsync=off`; PostGIS in a template database
//! each test copies. As root, `initdb` and `pg_ctl` run as `postgres` (they refuse
//! root). The tests alive at one time share one cluster: [`Cluster::shared`] hands
//! out an `Arc`, and the last test to drop it stops the server and removes the
//! directory, so nothing is left running when the test binary exits.
//!
//! Without the binaries a test prints why it skips, unless `CI` or
//! `SIGAP_REQUIRE_POSTGRES` (set by `make test`) is: there it fails, naming the
//! package to install.

use super::OWNER_ROLE;
use postgres::{Client, NoTls};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

/// Where Debian's `postgresql-15` puts the server binaries.
const BIN: &str = "/usr/lib/postgresql/15/bin";
/// The PostGIS extension's control file (`postgresql-15-postgis-3`).
const POSTGIS: &str = "/usr/share/postgresql/15/extension/postgis.control";
/// The database with PostGIS that each test database copies.
const TEMPLATE: &str = "sigap_template";
/// The role the service logs in as.
pub const APP_ROLE: &str = "sigap_app";
/// A login role that is a member of the owner role, as an administrator's would be.
pub const ADMIN_ROLE: &str = "sigap_admin";
/// The bootstrap superuser.
pub const SUPERUSER: &str = "postgres";

/// The cluster of the tests running now, if any.
static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
/// Databases made so far, for unique names.
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A running throwaway cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    /// Whether `initdb` and `pg_ctl` run as `postgres` (the tests run as root).
    as_postgres: bool,
}

impl Cluster {
    /// The running cluster, or a new one; `None` when the binaries are missing and
    /// `CI` is not set (the test should return).
    ///
    /// # Panics
    /// When the binaries are missing and `CI` is set, or the cluster fails to start.
    pub fn shared() -> Option<Arc<Cluster>> {
        for (path, package) in [
            (format!("{BIN}/initdb"), "postgresql-15"),
            (POSTGIS.to_owned(), "postgresql-15-postgis-3"),
        ] {
            if !Path::new(&path).exists() {
                assert!(
                    std::env::var_os("CI").is_none()
                        && std::env::var_os("SIGAP_REQUIRE_POSTGRES").is_none(),
                    "{path} is missing: install the Debian package {package} (make deps-test)"
                );
                eprintln!("skipped: {path} is missing (install {package} to run this test)");
                return None;
            }
        }
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cluster) = shared.upgrade() {
            return Some(cluster);
        }
        let cluster = Arc::new(Cluster::start());
        *shared = Arc::downgrade(&cluster);
        Some(cluster)
    }

    /// `initdb`, `pg_ctl start`, the template database and the roles.
    fn start() -> Cluster {
        let started = Instant::now();
        let dir = unique_dir();
        let as_postgres = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if as_postgres {
            run(
                Command::new("chown").arg("postgres:postgres").arg(&dir),
                &dir,
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            dir,
            port,
            as_postgres,
        };
        let data = cluster.dir.join("data");
        run(
            cluster.server_command("initdb").arg("-D").arg(&data).args([
                "--auth=trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
            ]),
            &cluster.dir,
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off",
            cluster.dir.display()
        );
        run(
            cluster
                .server_command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.dir.join("server.log"))
                .args(["-w", "-o", &options, "start"]),
            &cluster.dir,
        );
        let mut admin = cluster.superuser("postgres");
        // One statement per call: CREATE DATABASE refuses a (multi-statement) transaction.
        for sql in [
            format!("CREATE DATABASE {TEMPLATE}"),
            format!("CREATE ROLE {OWNER_ROLE} NOLOGIN"),
            format!("CREATE ROLE {APP_ROLE} LOGIN"),
            format!("CREATE ROLE {ADMIN_ROLE} LOGIN IN ROLE {OWNER_ROLE}"),
        ] {
            admin.batch_execute(&sql).expect(&sql);
        }
        // The template must have no session open when a test copies it.
        cluster
            .superuser(TEMPLATE)
            .batch_execute("CREATE EXTENSION postgis")
            .expect("CREATE EXTENSION postgis");
        eprintln!(
            "PostgreSQL test cluster in {} on port {port}, up in {:.2} s",
            cluster.dir.display(),
            started.elapsed().as_secs_f64()
        );
        cluster
    }

    /// A `postgres` binary command, as `postgres` when the tests run as root.
    fn server_command(&self, program: &str) -> Command {
        let program = format!("{BIN}/{program}");
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &program]);
            command
        } else {
            Command::new(program)
        }
    }

    /// Connection parameters for `user` on `dbname`, through the socket.
    pub fn url(&self, user: &str, dbname: &str) -> String {
        format!(
            "host={} port={} user={user} dbname={dbname}",
            self.dir.display(),
            self.port
        )
    }

    /// A superuser session on `dbname`.
    pub fn superuser(&self, dbname: &str) -> Client {
        Client::connect(&self.url(SUPERUSER, dbname), NoTls).expect("superuser connection")
    }

    /// A new database with PostGIS, named after `test` and unique in this cluster.
    pub fn database(&self, test: &str) -> String {
        let name = format!("{test}_{}", DATABASES.fetch_add(1, Ordering::Relaxed));
        self.superuser("postgres")
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .expect("CREATE DATABASE");
        name
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let started = Instant::now();
        let stopped = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!("could not stop the test cluster in {}", self.dir.display());
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {e}", self.dir.display());
        }
        eprintln!(
            "PostgreSQL test cluster stopped and removed in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// A new, empty directory under `/tmp` (whose parents `postgres` can traverse).
fn unique_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = PathBuf::from(format!("/tmp/sigap-pg-test.{}.{nanos}", std::process::id()));
    std::fs::create_dir(&dir).expect("a new directory under /tmp");
    dir
}

/// Runs `command` with its output in a log file in `dir`; panics with that log if it
/// fails.
fn run(command: &mut Command, dir: &Path) {
    let log = dir.join("command.log");
    let out = File::create(&log).expect("command log");
    let err = out.try_clone().expect("command log");
    let status = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .expect("run a PostgreSQL command");
    if !status.success() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let server = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("{command:?} failed ({status}):\n{log}\n{server}");
    }
}

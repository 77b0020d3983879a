//! The small tables on both stores: each check runs once on an in-memory SQLite store
//! and once on a PostgreSQL database of the throwaway cluster (as the service role),
//! and must see the same answers, including where the revision moves.

use super::PgStore;
use super::testing::{APP_ROLE, Cluster, SUPERUSER};
use crate::model::{
    AuditRow, Delivery, MeasureTarget, Period, Population, PopulationTotals, Recipient,
};
use crate::roads::{RoadNetwork, Segment};
use crate::store::sql::{Lite, Pg, SqlConn, params};
use crate::store::{
    CaseAudit, PopulationSource, RembukAction, RembukDecisions, SavedPlan, Store, StoreError,
    StoredRoads, Visit,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The methods both stores have, called the same way (reads take `&self` on SQLite
/// and `&mut self` on PostgreSQL, where the session is used).
macro_rules! both_stores {
    ($(fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $out:ty;)*) => {
        trait Tables {
            $(fn $name(&mut self $(, $arg: $ty)*) -> Result<$out, StoreError>;)*
            /// The fingerprint of the stored villages a population import records.
            fn fingerprint(&mut self) -> Result<String, StoreError>;
            /// Runs `f` on the store's own connection (for rows no method writes).
            fn with_conn(&mut self, f: &mut dyn FnMut(&mut dyn SqlConn));
        }
        impl Tables for Store {
            $(fn $name(&mut self $(, $arg: $ty)*) -> Result<$out, StoreError> {
                Store::$name(self $(, $arg)*)
            })*
            fn fingerprint(&mut self) -> Result<String, StoreError> {
                Ok(self.villages_fingerprinted()?.1)
            }
            fn with_conn(&mut self, f: &mut dyn FnMut(&mut dyn SqlConn)) {
                f(&mut Lite(&self.conn));
            }
        }
        impl Tables for PgStore {
            $(fn $name(&mut self $(, $arg: $ty)*) -> Result<$out, StoreError> {
                PgStore::$name(self $(, $arg)*)
            })*
            fn fingerprint(&mut self) -> Result<String, StoreError> {
                self.villages_sha256()
            }
            fn with_conn(&mut self, f: &mut dyn FnMut(&mut dyn SqlConn)) {
                f(&mut Pg::new(&mut self.client));
            }
        }
    };
}

both_stores! {
    fn revision(&mut self) -> u64;
    fn teams(&mut self) -> Vec<String>;
    fn add_team(&mut self, name: &str) -> bool;
    fn assignments(&mut self) -> HashMap<String, String>;
    fn write_assignments(&mut self, rows: &[(String, String)], replace: bool) -> u64;
    fn write_shared(&mut self, rows: &[(String, String)], teams: &[String], replace: bool) -> u64;
    fn write_roads(&mut self, network: &RoadNetwork, source: &str, report: &str) -> u64;
    fn write_osm_extract(&mut self, source: &str, pbf: &[u8]) -> ();
    fn osm_extract(&mut self) -> Option<Vec<u8>>;
    fn roads(&mut self) -> Option<StoredRoads>;
    fn write_deliveries(&mut self, rows: &[Delivery]) -> crate::store::DeliveriesWritten;
    fn add_deliveries(&mut self, rows: &[Delivery]) -> crate::store::DeliveriesWritten;
    fn deliveries(&mut self, period: Option<Period>) -> Vec<Delivery>;
    fn write_measure_targets_with(&mut self, rows: &[MeasureTarget], source: &str, audit: Option<&AuditRow>) -> u64;
    fn measure_targets(&mut self) -> Vec<MeasureTarget>;
    fn write_population(&mut self, population: &Population, source: &PopulationSource) -> u64;
    fn population(&mut self) -> Option<Population>;
    fn record_visit_with(&mut self, v: &Visit, deliveries: &[Delivery]) -> (Visit, bool, usize);
    fn visits(&mut self) -> Vec<Visit>;
    fn plan(&mut self, team: &str, day: &str) -> Option<SavedPlan>;
    fn plans_on(&mut self, day: &str) -> Vec<SavedPlan>;
    fn save_plan(&mut self, team: &str, day: &str, made_by: &str, plan: &str, replace: bool) -> (SavedPlan, bool);
    fn record_case_audit(&mut self, a: &CaseAudit) -> CaseAudit;
    fn case_audits(&mut self, period: Period) -> HashMap<String, CaseAudit>;
    fn record_rembuk(&mut self, d: &RembukDecisions) -> RembukDecisions;
    fn rembuk(&mut self, until: Option<Period>) -> BTreeMap<String, RembukDecisions>;
    fn sealed_identities(&mut self, layer: &str, pseudonyms: &[String]) -> Vec<(String, Vec<u8>)>;
    fn first_sealed_identity(&mut self) -> Option<(String, String, Vec<u8>)>;
    fn identity_count(&mut self, layer: &str) -> usize;
}

/// A PostgreSQL database of its own for `test`, made by `init`; the cluster stays up
/// while the first value lives. `None` when the test is skipped (no PostgreSQL, `CI`
/// unset).
fn on_postgres(test: &str) -> Option<(Arc<Cluster>, String)> {
    let cluster = Cluster::shared()?;
    let name = cluster.database(test);
    PgStore::init(&cluster.url(SUPERUSER, &name), APP_ROLE).expect("init");
    Some((cluster, name))
}

/// Runs `check` on a new SQLite store (with the accounts' tables, as a server's
/// file has them), then on a new PostgreSQL store as the service role.
fn on_both(test: &str, check: fn(&mut dyn Tables)) {
    let mut lite = Store::open_in_memory().expect("sqlite store");
    lite.conn
        .execute_batch(crate::auth::schema::CREATE)
        .expect("accounts' tables");
    check(&mut lite);
    let Some((cluster, name)) = on_postgres(test) else {
        return;
    };
    check(&mut PgStore::connect(&cluster.url(APP_ROLE, &name)).expect("connect"));
}

fn pairs(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn period(p: &str) -> Period {
    p.parse().expect("period")
}

fn teams_and_assignments(s: &mut dyn Tables) {
    let r0 = s.revision().expect("revision");
    let r1 = s
        .write_shared(
            &pairs(&[("c1", "TPK Abeli"), ("c2", "Dinkes")]),
            &["PUPR".into()],
            false,
        )
        .expect("shared");
    assert_eq!(r1, r0 + 1);
    assert_eq!(s.teams().expect("teams"), ["Dinkes", "PUPR", "TPK Abeli"]);
    // Added and overwritten, then replaced whole.
    let r2 = s
        .write_assignments(&pairs(&[("c2", "TPK Abeli"), ("c3", "Dinkes")]), false)
        .expect("add");
    assert_eq!(r2, r1 + 1);
    let want: HashMap<String, String> =
        pairs(&[("c1", "TPK Abeli"), ("c2", "TPK Abeli"), ("c3", "Dinkes")])
            .into_iter()
            .collect();
    assert_eq!(s.assignments().expect("read"), want);
    s.write_assignments(&pairs(&[("c9", "Bappeda")]), true)
        .expect("replace");
    assert_eq!(
        s.assignments().expect("read"),
        pairs(&[("c9", "Bappeda")]).into_iter().collect()
    );
    // A team added by hand is new once, and moves no revision.
    let r = s.revision().expect("revision");
    assert!(s.add_team("Puskesmas Poasia").expect("add"));
    assert!(!s.add_team("Puskesmas Poasia").expect("again"));
    assert!(!s.add_team("Dinkes").expect("known"));
    assert_eq!(s.revision().expect("revision"), r);
    assert_eq!(
        s.teams().expect("teams"),
        ["Bappeda", "Dinkes", "PUPR", "Puskesmas Poasia", "TPK Abeli"]
    );
}

#[test]
fn teams_and_assignments_on_both_stores() {
    on_both("teams", teams_and_assignments);
}

fn network(nodes: usize) -> RoadNetwork {
    RoadNetwork {
        nodes: (0..nodes)
            .map(|i| [122.5 + i as f64 * 1e-3, -3.99])
            .collect(),
        osm_ids: (0..nodes as i64).map(|i| 1000 + i).collect(),
        segments: (1..nodes as u32)
            .map(|b| Segment {
                a: b - 1,
                b,
                class: 3,
                flags: 0b11_1111,
            })
            .collect(),
    }
}

fn roads_and_extract(s: &mut dyn Tables) {
    assert!(s.roads().expect("none").is_none());
    assert!(s.osm_extract().expect("none").is_none());
    // Every byte value, and a NUL: the extract is bytes, not text.
    let pbf: Vec<u8> = (0..=255u8).chain([0, 0xff]).collect();
    let r = s.revision().expect("revision");
    s.write_osm_extract("kendari.osm.pbf", &pbf)
        .expect("extract");
    assert_eq!(
        s.revision().expect("revision"),
        r,
        "the extract alone moves nothing"
    );
    assert_eq!(s.osm_extract().expect("read"), Some(pbf.clone()));
    s.write_osm_extract("kendari-2.osm.pbf", &pbf[..3])
        .expect("replace");
    assert_eq!(s.osm_extract().expect("read"), Some(pbf[..3].to_vec()));

    let first = network(3);
    assert_eq!(
        s.write_roads(&first, "a.osm.pbf", "{}").expect("roads"),
        r + 1
    );
    let second = network(5);
    assert_eq!(
        s.write_roads(&second, "b.osm.pbf", r#"{"nodes":5}"#)
            .expect("replace"),
        r + 2
    );
    let stored = s.roads().expect("read").expect("roads");
    assert_eq!(stored.network, second);
    assert_eq!(
        (stored.source.as_str(), stored.report.as_str()),
        ("b.osm.pbf", r#"{"nodes":5}"#)
    );
    assert_eq!(
        stored.imported_at.len(),
        "2026-12-07T10:00:00Z".len(),
        "{}",
        stored.imported_at
    );
}

#[test]
fn roads_and_the_osm_extract_on_both_stores() {
    on_both("roads", roads_and_extract);
}

fn delivery(programme: &str, child: &str, date: &str, quantity: Option<f64>) -> Delivery {
    Delivery {
        programme: programme.into(),
        recipient: Recipient::Child(child.into()),
        date: date.parse().expect("date"),
        period: period(&date[..7]),
        quantity,
        unit: quantity.map(|_| "paket".into()),
        cost: None,
        by: Some("Dinkes".into()),
        source: format!("file:ledger.csv:{child}"),
    }
}

fn deliveries(s: &mut dyn Tables) {
    let r = s.revision().expect("revision");
    let rows = [
        delivery("pmt", "c1", "2026-08-03", Some(2.5)),
        delivery("pmt", "c2", "2026-09-01", None),
    ];
    let w = s.write_deliveries(&rows).expect("write");
    assert_eq!((w.added, w.present, w.revision), (2, 0, r + 1));
    // The same file again adds nothing but still bumps (an import), a campaign
    // entered again bumps nothing.
    let w = s.write_deliveries(&rows).expect("again");
    assert_eq!((w.added, w.present, w.revision), (0, 2, r + 2));
    let w = s.add_deliveries(&rows[..1]).expect("campaign again");
    assert_eq!((w.added, w.present, w.revision), (0, 1, r + 2));
    let third = delivery("telur", "c1", "2026-08-04", Some(10.0));
    let w = s
        .add_deliveries(std::slice::from_ref(&third))
        .expect("campaign");
    assert_eq!((w.added, w.revision), (1, r + 3));
    assert_eq!(s.revision().expect("revision"), r + 3);
    assert_eq!(
        s.deliveries(None).expect("all"),
        [rows[0].clone(), rows[1].clone(), third.clone()]
    );
    assert_eq!(
        s.deliveries(Some(period("2026-08"))).expect("august"),
        [rows[0].clone(), third]
    );
    assert!(
        s.deliveries(Some(period("2026-10")))
            .expect("none")
            .is_empty()
    );
}

#[test]
fn deliveries_on_both_stores() {
    on_both("deliveries", deliveries);
}

fn target(code: &str, round: Option<&str>, target: f64) -> MeasureTarget {
    MeasureTarget {
        code: code.into(),
        period: round.map(period),
        target,
    }
}

fn measure_targets(s: &mut dyn Tables) {
    assert!(s.measure_targets().expect("none").is_empty());
    let r = s.revision().expect("revision");
    let first = [
        target("7471011002", Some("2026-08"), 80.0),
        target("7471011002", None, 75.5),
        target("7471011001", None, 120.0),
    ];
    let audit = AuditRow {
        user_id: None,
        username: "(console)".into(),
        role: "-",
        action: "import_targets".into(),
        what: "a.csv".into(),
        records: 3,
        address: None,
    };
    assert_eq!(
        s.write_measure_targets_with(&first, "a.csv", Some(&audit))
            .expect("write"),
        r + 1
    );
    assert_eq!(
        s.measure_targets().expect("read"),
        [first[2].clone(), first[1].clone(), first[0].clone()]
    );
    let second = [target("7471011003", None, 10.0)];
    assert_eq!(
        s.write_measure_targets_with(&second, "b.csv", None)
            .expect("replace"),
        r + 2
    );
    // A negative target undoes the whole write, its audit row too.
    let bad = [
        target("7471011004", None, 1.0),
        target("7471011005", None, -1.0),
    ];
    assert!(
        s.write_measure_targets_with(&bad, "c.csv", Some(&audit))
            .is_err()
    );
    assert_eq!(s.measure_targets().expect("read"), second);
    assert_eq!(s.revision().expect("revision"), r + 2);
    let mut audits = 0;
    s.with_conn(&mut |c| {
        audits = c
            .query_opt(
                "SELECT count(*) FROM sigap_audit WHERE action = 'import_targets'",
                &[],
            )
            .expect("count")
            .expect("row")
            .get::<i64>(0)
            .expect("n");
    });
    assert_eq!(audits, 1);
}

#[test]
fn measure_targets_on_both_stores() {
    on_both("targets", measure_targets);
}

fn population(s: &mut dyn Tables) {
    assert!(s.population().expect("none").is_none());
    let cell = |lat: f64, res| {
        h3o::LatLng::new(lat, 122.5)
            .expect("point")
            .to_cell(h3o::Resolution::try_from(res).expect("res"))
    };
    let population = Population {
        cells: [
            (cell(-3.99, 8), 12.5),
            (cell(-3.99, 5), 400.0),
            (cell(-4.01, 10), 0.25),
        ]
        .into_iter()
        .collect(),
        villages: [
            ("7471011001".to_owned(), 300.5),
            ("7471011002".to_owned(), 99.5),
        ]
        .into_iter()
        .collect(),
        totals: PopulationTotals {
            total: 410.0,
            outside: 10.0,
            beyond: 2.0,
        },
    };
    let source = PopulationSource {
        file: "worldpop.tif".into(),
        band: 1,
        crs: "EPSG:4326".into(),
        villages_sha256: s.fingerprint().expect("fingerprint"),
    };
    let r = s.revision().expect("revision");
    assert_eq!(
        s.write_population(&population, &source).expect("write"),
        r + 1
    );
    assert_eq!(s.population().expect("read"), Some(population.clone()));
    // Summed into other villages than these: their sums are left out, cells stay.
    let stale = PopulationSource {
        villages_sha256: "0".repeat(64),
        ..source
    };
    let fewer = Population {
        cells: population
            .cells
            .iter()
            .take(1)
            .map(|(c, v)| (*c, *v))
            .collect(),
        ..population
    };
    assert_eq!(s.write_population(&fewer, &stale).expect("replace"), r + 2);
    let read = s.population().expect("read").expect("population");
    assert_eq!((read.cells, read.totals), (fewer.cells, fewer.totals));
    assert!(read.villages.is_empty());
}

#[test]
fn population_on_both_stores() {
    on_both("population", population);
}

fn visit(id: &str, given: &[&str]) -> Visit {
    Visit {
        id: id.into(),
        pseudonym: "c1".into(),
        team: "TPK Abeli".into(),
        username: "kader.ani".into(),
        visited_on: "2026-08-05".into(),
        outcome: "visited".into(),
        given: given.iter().map(|g| (*g).to_owned()).collect(),
        height_cm: Some(81.5),
        weight_kg: None,
        haz: Some(-2.4),
        note: "ibu di rumah".into(),
        checks: vec!["jump".into()],
        confirm_reason: "diukur dua kali".into(),
        received_at: String::new(),
    }
}

fn visits_and_plans(s: &mut dyn Tables) {
    let r = s.revision().expect("revision");
    let v = visit("v-1", &[]);
    let (stored, new, added) = s.record_visit_with(&v, &[]).expect("record");
    assert!(new && added == 0);
    assert_eq!(
        Visit {
            received_at: String::new(),
            ..stored.clone()
        },
        v
    );
    assert_eq!(stored.received_at.len(), "2026-12-07T10:00:00Z".len());
    // Sent again (with what it gave): stored once, nothing added, no bump.
    let gave = [delivery("pmt", "c1", "2026-08-05", Some(1.0))];
    let (again, new, added) = s.record_visit_with(&v, &gave).expect("again");
    assert!(!new && added == 0 && again == stored);
    assert_eq!(s.revision().expect("revision"), r);
    let (_, new, added) = s
        .record_visit_with(&visit("v-2", &["food_package"]), &gave)
        .expect("second");
    assert!(new && added == 1);
    assert_eq!(s.revision().expect("revision"), r + 1);
    let ids: Vec<String> = s
        .visits()
        .expect("visits")
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(ids, ["v-1", "v-2"]);

    let (p, written) = s
        .save_plan("TPK Abeli", "2026-08-06", "kader.ani", "[1]", false)
        .expect("plan");
    assert!(written && p.version == 1 && p.plan == "[1]");
    let (p, written) = s
        .save_plan("TPK Abeli", "2026-08-06", "kader.budi", "[2]", false)
        .expect("second phone");
    assert!(!written && p.plan == "[1]" && p.made_by == "kader.ani");
    let (p, written) = s
        .save_plan("TPK Abeli", "2026-08-06", "kader.budi", "[3]", true)
        .expect("re-plan");
    assert!(written && p.version == 2 && p.plan == "[3]" && p.made_by == "kader.budi");
    s.save_plan("Dinkes", "2026-08-06", "x", "[]", false)
        .expect("other team");
    let teams: Vec<String> = s
        .plans_on("2026-08-06")
        .expect("day")
        .into_iter()
        .map(|p| p.team)
        .collect();
    assert_eq!(teams, ["Dinkes", "TPK Abeli"]);
    assert_eq!(s.plan("TPK Abeli", "2026-08-06").expect("plan"), Some(p));
    assert!(s.plan("TPK Abeli", "2026-08-07").expect("none").is_none());
    assert_eq!(s.revision().expect("revision"), r + 1, "plans move nothing");
}

#[test]
fn visits_and_plans_on_both_stores() {
    on_both("visits", visits_and_plans);
}

fn mark(decision: &str) -> CaseAudit {
    CaseAudit {
        pseudonym: "abc".into(),
        period: "2026-08".into(),
        kind: "jump".into(),
        decision: decision.into(),
        note: "diukur ulang".into(),
        username: "perencana".into(),
        at: String::new(),
    }
}

fn decisions(round: &str, priority: bool, actions: &[(&str, &str)]) -> RembukDecisions {
    RembukDecisions {
        village: "7471011005".into(),
        period: round.into(),
        priority,
        actions: actions
            .iter()
            .map(|(a, l)| RembukAction {
                action: (*a).into(),
                lead: (*l).into(),
            })
            .collect(),
        username: "bappeda".into(),
        at: String::new(),
    }
}

fn audits_and_rembuk(s: &mut dyn Tables) {
    let r = s.revision().expect("revision");
    let first = s.record_case_audit(&mark("remeasure")).expect("first");
    assert_eq!((first.decision.as_str(), first.at.len()), ("remeasure", 20));
    s.record_case_audit(&mark("valid")).expect("second");
    assert!(
        s.record_case_audit(&mark("lupakan")).is_err(),
        "unknown decision"
    );
    let latest = s.case_audits(period("2026-08")).expect("read");
    assert_eq!(
        (latest.len(), latest["abc"].decision.as_str()),
        (1, "valid")
    );
    assert!(s.case_audits(period("2026-02")).expect("none").is_empty());

    let feb = s
        .record_rembuk(&decisions(
            "2026-02",
            true,
            &[("PMT 90 hari", "Dinkes"), ("Jamban", "PUPR")],
        ))
        .expect("february");
    assert!(feb.priority && feb.actions.len() == 2 && feb.at.len() == 20);
    s.record_rembuk(&decisions("2026-08", false, &[]))
        .expect("august");
    let aug = s.rembuk(Some(period("2026-08"))).expect("august view");
    assert!(!aug["7471011005"].priority && aug["7471011005"].actions.is_empty());
    let feb_view = s.rembuk(Some(period("2026-07"))).expect("july view");
    assert_eq!(feb_view["7471011005"], feb);
    assert_eq!(s.rembuk(None).expect("all")["7471011005"].period, "2026-08");
    assert_eq!(s.revision().expect("revision"), r, "decisions move nothing");
}

#[test]
fn case_audits_and_rembuk_on_both_stores() {
    on_both("audits", audits_and_rembuk);
}

fn identities(s: &mut dyn Tables) {
    assert!(s.first_sealed_identity().expect("none").is_none());
    s.with_conn(&mut |c| {
        for (layer, p, sealed) in [
            ("households", "h1", vec![0_u8, 1, 2]),
            ("children", "c2", vec![0xff; 40]),
            ("children", "c1", vec![7]),
        ] {
            c.execute(
                "INSERT INTO sigap_identities (layer, pseudonym, sealed) VALUES (?1, ?2, ?3)",
                params![layer, p, sealed],
            )
            .expect("insert");
        }
    });
    assert_eq!(
        s.first_sealed_identity().expect("first"),
        Some(("children".into(), "c1".into(), vec![7]))
    );
    assert_eq!(s.identity_count("children").expect("count"), 2);
    assert_eq!(s.identity_count("households").expect("count"), 1);
    // More pseudonyms than one statement asks for, most without an identity.
    let mut asked: Vec<String> = (0..1200).map(|i| format!("x{i}")).collect();
    asked.insert(700, "c2".into());
    asked.push("h1".into());
    assert_eq!(
        s.sealed_identities("children", &asked).expect("sealed"),
        [("c2".to_owned(), vec![0xff; 40])]
    );
}

#[test]
fn identity_reads_on_both_stores() {
    on_both("identities", identities);
}

/// The service role cannot change or remove a case audit or a rembuk decision, and
/// the triggers stop even the owner.
#[test]
fn case_audits_and_rembuk_are_append_only_on_postgres() {
    let Some((cluster, name)) = on_postgres("append_only") else {
        return;
    };
    let mut store = PgStore::connect(&cluster.url(APP_ROLE, &name)).expect("connect");
    store.record_case_audit(&mark("valid")).expect("audit");
    store
        .record_rembuk(&decisions("2026-08", true, &[]))
        .expect("rembuk");
    for user in [APP_ROLE, SUPERUSER] {
        let mut client = PgStore::connect(&cluster.url(user, &name))
            .expect("connect")
            .client;
        for table in ["sigap_case_audits", "sigap_rembuk"] {
            for sql in [
                format!("UPDATE {table} SET username = 'x'"),
                format!("DELETE FROM {table}"),
                format!("TRUNCATE {table}"),
            ] {
                let err = client.batch_execute(&sql).expect_err(&sql);
                let db = err.as_db_error().expect("a server error");
                assert_eq!(
                    db.code(),
                    &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE,
                    "{user}: {sql}: {db}"
                );
            }
        }
    }
    let mut store = PgStore::connect(&cluster.url(APP_ROLE, &name)).expect("connect");
    assert_eq!(
        store.case_audits(period("2026-08")).expect("read")["abc"].username,
        "perencana"
    );
    assert_eq!(
        store.rembuk(None).expect("read")["7471011005"].username,
        "bappeda"
    );
}

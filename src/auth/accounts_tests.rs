use super::*;

const POLICY: Policy = Policy {
    slow_after: 2,
    lock_after: 4,
    base_delay_seconds: 0,
    max_delay_seconds: 0,
    lock_seconds: 600,
};
const OPEN: Policy = Policy {
    slow_after: 1000,
    lock_after: 0,
    base_delay_seconds: 0,
    max_delay_seconds: 0,
    lock_seconds: 0,
};

fn user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        role,
        team: (role == Role::FieldOfficer).then(|| "Dinas Kesehatan".into()),
        villages: vec!["7471011005".into(), "7471011006".into()],
    }
}

fn login(a: &Accounts, name: &str, pw: &str) -> Login {
    a.login(name, pw, None, &POLICY, &OPEN, 3600)
        .expect("login")
}

#[test]
fn one_time_passwords_must_be_changed_and_chosen_ones_not() {
    passwords(&Accounts::open_in_memory().expect("open"));
}

fn passwords(a: &Accounts) {
    let once = a.add_user(&user("ani", Role::Planner), None).expect("add");
    a.add_user(&user("budi", Role::Viewer), Some("sepuluh huruf"))
        .expect("add");
    let Login::Ok { account, .. } = login(a, "ani", &once) else {
        panic!("one-time password refused")
    };
    assert!(account.must_change);
    let Login::Ok { account, .. } = login(a, "budi", "sepuluh huruf") else {
        panic!("chosen password refused")
    };
    assert!(!account.must_change);
    assert!(matches!(
        a.add_user(&user("ani", Role::Viewer), None),
        Err(AuthError::UserExists(_))
    ));
    assert!(matches!(
        a.add_user(&user("Ani Besar", Role::Viewer), None),
        Err(AuthError::BadUsername(_))
    ));
    let mut no_team = user("cici", Role::FieldOfficer);
    no_team.team = None;
    assert!(matches!(a.add_user(&no_team, None), Err(AuthError::NoTeam)));
}

#[test]
fn sessions_and_tokens_end_with_logout_revoke_and_disable() {
    sessions_and_tokens(&Accounts::open_in_memory().expect("open"));
}

fn sessions_and_tokens(a: &Accounts) {
    a.add_user(&user("dewi", Role::FieldOfficer), Some("sepuluh huruf"))
        .expect("add");
    let Login::Ok {
        account, session, ..
    } = login(a, "dewi", "sepuluh huruf")
    else {
        panic!("login")
    };
    let (found, cred) = a.session(&session).expect("q").expect("session");
    assert_eq!(found.team.as_deref(), Some("Dinas Kesehatan"));
    assert_eq!(found.villages.len(), 2);
    assert!(matches!(cred, Credential::Session { .. }));
    a.logout(&session).expect("logout");
    assert!(a.session(&session).expect("q").is_none());

    let (id, token) = a.create_token(account.id, "skrip").expect("token");
    assert!(a.token(&token).expect("q").is_some());
    assert!(a.token("sgp_wrong").expect("q").is_none());
    assert!(!a.revoke_token(id, Some(account.id + 1)).expect("revoke"));
    assert!(a.revoke_token(id, Some(account.id)).expect("revoke"));
    assert!(
        a.token(&token).expect("q").is_none(),
        "revoked token still works"
    );

    let (_, token) = a.create_token(account.id, "lagi").expect("token");
    a.set_disabled("dewi", true).expect("disable");
    assert!(
        a.token(&token).expect("q").is_none(),
        "disabled user's token works"
    );
    assert!(matches!(login(a, "dewi", "sepuluh huruf"), Login::Disabled));
}

#[test]
fn wrong_passwords_lock_the_account_until_an_admin_resets_it() {
    lockout(&Accounts::open_in_memory().expect("open"));
}

fn lockout(a: &Accounts) {
    a.add_user(&user("eko", Role::Planner), Some("sepuluh huruf"))
        .expect("add");
    for _ in 0..3 {
        assert!(matches!(login(a, "eko", "salah salah"), Login::Wrong));
    }
    assert!(matches!(login(a, "eko", "salah salah"), Login::Locked(_)));
    assert!(matches!(login(a, "eko", "sepuluh huruf"), Login::Locked(_)));
    assert!(
        a.user("eko")
            .expect("q")
            .expect("eko")
            .locked_until
            .is_some()
    );
    let once = a.set_password("eko", None).expect("reset");
    assert!(matches!(login(a, "eko", &once), Login::Ok { .. }));
    assert!(matches!(login(a, "nobody", "x"), Login::Wrong));
}

#[test]
fn the_audit_log_is_append_only() {
    append_only(&Accounts::open_in_memory().expect("open"));
}

fn append_only(a: &Accounts) {
    a.audit(
        Some(("ani", 1, Role::Planner)),
        "ani",
        "read",
        "children",
        12,
        None,
    )
    .expect("audit");
    let e = a.audit_entries(10, None, None).expect("entries");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].action.as_str(), e[0].records), ("read", 12));
    let upd = a.with(|c| c.execute("UPDATE sigap_audit SET records = 0", &[]));
    let del = a.with(|c| c.execute("DELETE FROM sigap_audit", &[]));
    assert!(upd.is_err() && del.is_err(), "audit rows changed");
}

#[test]
fn the_credential_cache_follows_changes_here_at_once_and_elsewhere_within_the_bound() {
    let dir = std::env::temp_dir().join(format!("sigap-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("city.gpkg");
    let _ = std::fs::remove_file(&path);
    // The server and, on the same file, the CLI.
    let server = Accounts::open(&path).expect("open");
    let cli = Accounts::open(&path).expect("open");
    cache_follows(&server, &cli);
    drop((server, cli));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `server` and `cli` are two processes on one store.
fn cache_follows(server: &Accounts, cli: &Accounts) {
    cli.add_user(&user("eka", Role::Planner), Some("sepuluh huruf"))
        .expect("add");
    let id = cli.user("eka").expect("q").expect("eka").id;
    let (t1, token1) = cli.create_token(id, "satu").expect("token");
    let (_, token2) = cli.create_token(id, "dua").expect("token");
    assert!(server.cached(false, &token1).is_none(), "cached before use");
    assert!(server.token(&token1).expect("q").is_some());
    assert!(server.token(&token2).expect("q").is_some());
    assert!(
        server.cached(false, &token1).is_some(),
        "not cached after use"
    );
    assert!(
        server.cached(true, &token1).is_none(),
        "a token is not a session"
    );

    // Revoked through this process: gone from the cache before revoke returns.
    let (t3, token3) = cli.create_token(id, "tiga").expect("token");
    assert!(server.token(&token3).expect("q").is_some());
    assert!(server.revoke_token(t3, None).expect("revoke"));
    assert!(server.cached(false, &token3).is_none());
    assert!(server.token(&token3).expect("q").is_none());

    // Revoked by another process: refused once the generation is read again, at
    // most CHECK_EVERY later; `last_used` writes do not move it.
    assert!(server.token(&token1).expect("q").is_some());
    cli.revoke_token(t1, None).expect("revoke");
    std::thread::sleep(CHECK_EVERY);
    assert!(
        server.cached(false, &token1).is_none(),
        "stale past the bound"
    );
    assert!(server.token(&token1).expect("q").is_none());
    assert!(server.token(&token2).expect("q").is_some());
    assert!(server.cached(false, &token2).is_some());

    // A session is cached no longer than it lasts.
    let Login::Ok { session, .. } = server
        .login("eka", "sepuluh huruf", None, &POLICY, &OPEN, 2)
        .expect("login")
    else {
        panic!("login")
    };
    assert!(server.session(&session).expect("q").is_some());
    std::thread::sleep(Duration::from_millis(2100));
    assert!(
        server.cached(true, &session).is_none(),
        "expired session cached"
    );
    assert!(server.session(&session).expect("q").is_none());
}

/// Accounts on a new PostgreSQL database of the throwaway cluster, as `n` servers
/// would open them; `None` when the test is skipped (no PostgreSQL, `CI` unset).
fn on_postgres(
    test: &str,
    n: usize,
) -> Option<(
    std::sync::Arc<crate::store::pg::testing::Cluster>,
    Vec<Accounts>,
)> {
    use crate::store::pg::testing::{APP_ROLE, Cluster, SUPERUSER};
    let cluster = Cluster::shared()?;
    let name = cluster.database(test);
    crate::store::pg::PgStore::init(&cluster.url(SUPERUSER, &name), APP_ROLE).expect("init");
    let url = cluster.url(APP_ROLE, &name);
    let servers = (0..n)
        .map(|_| Accounts::open_postgres(&url).expect("open"))
        .collect();
    Some((cluster, servers))
}

#[test]
fn accounts_on_postgres_behave_as_on_sqlite() {
    type Check = fn(&Accounts);
    let checks: [(&str, Check); 4] = [
        ("passwords", passwords),
        ("sessions", sessions_and_tokens),
        ("lockout", lockout),
        ("append_only", append_only),
    ];
    for (name, check) in checks {
        let Some((_cluster, servers)) = on_postgres(name, 1) else {
            return;
        };
        check(&servers[0]);
    }
    let Some((_cluster, servers)) = on_postgres("cache", 2) else {
        return;
    };
    cache_follows(&servers[0], &servers[1]);
}

#[test]
fn two_servers_on_postgres_share_sessions_lockouts_and_the_audit_log() {
    let Some((_cluster, servers)) = on_postgres("two_servers", 2) else {
        return;
    };
    let [a, b] = &servers[..] else {
        unreachable!("two servers")
    };
    a.add_user(&user("sari", Role::Planner), Some("sepuluh huruf"))
        .expect("add");
    // A session made on one server is valid on the other; a logout there ends it
    // here within the cache's bound.
    let Login::Ok { session, .. } = login(b, "sari", "sepuluh huruf") else {
        panic!("login on b")
    };
    assert!(
        a.session(&session).expect("q").is_some(),
        "b's session on a"
    );
    b.logout(&session).expect("logout");
    std::thread::sleep(CHECK_EVERY);
    assert!(a.session(&session).expect("q").is_none(), "logged out on b");

    // Wrong passwords sent to both servers in turn count together: locked after
    // POLICY.lock_after in all, as on one server.
    a.add_user(&user("tono", Role::Viewer), Some("sepuluh huruf"))
        .expect("add");
    for (i, server) in [a, b, a].into_iter().enumerate() {
        assert!(
            matches!(login(server, "tono", "salah salah"), Login::Wrong),
            "try {i}"
        );
    }
    assert!(matches!(login(b, "tono", "salah salah"), Login::Locked(_)));
    assert!(matches!(
        login(a, "tono", "sepuluh huruf"),
        Login::Locked(_)
    ));

    // What one server writes to the audit log, the other reads; neither can
    // change it.
    a.audit(None, "(console)", "user_add", "tono", 1, None)
        .expect("audit");
    let entries = b.audit_entries(10, None, Some("user_add")).expect("read");
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].what.as_str(), entries[0].records), ("tono", 1));
    let err = b
        .with(|c| c.execute("DELETE FROM sigap_audit", &[]))
        .expect_err("the service role deletes audit rows");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[test]
fn failures_sent_to_two_servers_at_once_are_all_counted() {
    const TRIES: usize = 8;
    let patient = Policy {
        lock_after: 1000,
        ..POLICY
    };
    let Some((_cluster, servers)) = on_postgres("failures_at_once", 2) else {
        return;
    };
    servers[0]
        .add_user(&user("wati", Role::Viewer), Some("sepuluh huruf"))
        .expect("add");
    std::thread::scope(|scope| {
        for server in servers.iter().chain(&servers) {
            scope.spawn(|| {
                for _ in 0..TRIES {
                    let got = server
                        .login("wati", "salah salah", None, &patient, &OPEN, 60)
                        .expect("login");
                    assert!(matches!(got, Login::Wrong), "{got:?}");
                }
            });
        }
    });
    let failures = servers[1]
        .read(|c| {
            c.query_opt(
                "SELECT failures FROM sigap_users WHERE username = 'wati'",
                &[],
            )?
            .map_or(Ok(0), |r| r.get::<i64>(0))
        })
        .expect("failures");
    assert_eq!(failures, 4 * TRIES as i64, "failures lost between servers");
}

/// Two processes on one store: wrong passwords for a name nobody has, and from one
/// address, count together whichever process answers.
fn unknown_names_and_addresses(a: &Accounts, b: &Accounts) {
    let by_address = Policy {
        slow_after: 2,
        lock_after: 0,
        base_delay_seconds: 60,
        max_delay_seconds: 60,
        lock_seconds: 0,
    };
    let from = |ip: &str| Some(ip.parse::<IpAddr>().expect("address"));
    let try_as = |server: &Accounts, name: &str, ip: Option<IpAddr>, address: &Policy| {
        server
            .login(name, "salah salah", ip, &POLICY, address, 60)
            .expect("login")
    };
    // A name without an account locks like a real one after POLICY.lock_after.
    for (i, server) in [a, b, a].into_iter().enumerate() {
        assert!(
            matches!(try_as(server, "hantu", None, &OPEN), Login::Wrong),
            "try {i}"
        );
    }
    assert!(matches!(try_as(b, "hantu", None, &OPEN), Login::Locked(_)));
    assert!(matches!(try_as(a, "hantu", None, &OPEN), Login::Locked(_)));
    let keys = a
        .read(|c| {
            c.query("SELECT key FROM sigap_throttle", &[])?
                .iter()
                .map(|r| r.get::<String>(0))
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("keys");
    assert!(
        !keys.is_empty() && keys.iter().all(|k| !k.contains("hantu")),
        "{keys:?}"
    );

    // One address slowed after two failures, on either process; another is not.
    a.add_user(&user("yanti", Role::Viewer), Some("sepuluh huruf"))
        .expect("add");
    let ip = from("10.0.0.7");
    assert!(matches!(try_as(a, "yanti", ip, &by_address), Login::Wrong));
    assert!(matches!(try_as(b, "nobody", ip, &by_address), Login::Wrong));
    assert!(matches!(
        try_as(a, "yanti", ip, &by_address),
        Login::Wait(_)
    ));
    assert!(matches!(
        try_as(b, "yanti", ip, &by_address),
        Login::Wait(_)
    ));
    assert!(matches!(
        try_as(b, "yanti", from("10.0.0.8"), &by_address),
        Login::Wrong
    ));
}

#[test]
fn unknown_names_and_addresses_are_throttled_across_processes() {
    let dir = std::env::temp_dir().join(format!("sigap-throttle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("city.gpkg");
    let _ = std::fs::remove_file(&path);
    let a = Accounts::open(&path).expect("open");
    let b = Accounts::open(&path).expect("open");
    unknown_names_and_addresses(&a, &b);
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_names_and_addresses_are_throttled_across_servers_on_postgres() {
    let Some((_cluster, servers)) = on_postgres("throttle", 2) else {
        return;
    };
    unknown_names_and_addresses(&servers[0], &servers[1]);
}

#[test]
fn the_throttle_sweep_reads_the_index_not_the_table() {
    let dir = std::env::temp_dir().join(format!("sigap-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("city.gpkg");
    let _ = std::fs::remove_file(&path);
    drop(Accounts::open(&path).expect("open"));
    let conn = Connection::open(&path).expect("open");
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {THROTTLE_SWEEP}"))
        .and_then(|mut st| {
            st.query_map([0_i64, 0], |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()
        })
        .expect("plan");
    assert!(
        plan.iter()
            .any(|step| step.contains("USING INDEX sigap_throttle_last_failure")),
        "{plan:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

//! `sigap user add|list|disable|enable|passwd` and `sigap token add|list|revoke`:
//! accounts and API tokens of a store, for the admin at the server's console.

use super::open_store;
use anyhow::{Context, Result, bail};
use sigap::auth::{Accounts, NewUser, Role};
use sigap::store::Db;
use std::io::{BufRead, Write};

/// Accounts of a store.
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add an account; prints a one-time password (changed at first login) unless
    /// --password-stdin.
    Add {
        #[arg(long)]
        db: Db,
        /// Lower-case letters, digits, '.', '_', '-'.
        name: String,
        /// One of: admin, planner, `field_officer`, viewer.
        #[arg(long)]
        role: Role,
        /// The OPD or TPK team of a field officer (required for them).
        #[arg(long)]
        team: Option<String>,
        /// Village codes a field officer works in, comma separated.
        #[arg(long, value_delimiter = ',')]
        villages: Vec<String>,
        /// Read the password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    List {
        #[arg(long)]
        db: Db,
    },
    /// Disable an account: its sessions and tokens stop working at once.
    Disable {
        #[arg(long)]
        db: Db,
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        db: Db,
        name: String,
    },
    /// Set a new password (a printed one-time one unless --password-stdin); unlocks
    /// the account and ends its sessions.
    Passwd {
        #[arg(long)]
        db: Db,
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Teams of a store.
#[derive(clap::Subcommand)]
pub enum TeamCommand {
    /// Add a team field officers can then belong to.
    Add {
        #[arg(long)]
        db: Db,
        /// The team's name, e.g. "TPK Mandonga" (2 to 64 characters).
        name: String,
    },
    /// List the known teams: added ones and those assignments name.
    List {
        #[arg(long)]
        db: Db,
    },
}

/// API tokens for scripts.
#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user; prints only the token (shown once, stored hashed).
    Add {
        #[arg(long)]
        db: Db,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "token")]
        name: String,
    },
    /// List tokens (never the tokens themselves).
    List {
        #[arg(long)]
        db: Db,
    },
    /// Revoke a token by its id.
    Revoke {
        #[arg(long)]
        db: Db,
        id: i64,
    },
}

pub(super) fn open(db: &Db) -> Result<Accounts> {
    let db = match db {
        Db::Postgres(url) => {
            return Accounts::open_postgres(url)
                .with_context(|| format!("opening accounts in {db}"));
        }
        Db::File(path) => path,
    };
    if !db.exists() {
        bail!(
            "no store at {}; create one with `sigap import --db {} villages FILE`",
            db.display(),
            db.display()
        );
    }
    Accounts::open(db).with_context(|| format!("opening accounts in {}", db.display()))
}

/// The store file `db` names, opened.
fn stdin_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Audits a console action as done by the console (no logged-in user).
fn audit(accounts: &Accounts, action: &str, what: &str) -> Result<()> {
    accounts.audit(None, "(console)", action, what, 1, None)?;
    Ok(())
}

/// The team as the store spells it and the village codes, refused unless the store
/// knows them ([`sigap::teams::registry::check_scope`]).
fn known_scope(
    db: &Db,
    team: Option<&str>,
    villages: &[String],
) -> Result<(Option<String>, Vec<String>)> {
    if team.is_none() && villages.iter().all(|v| v.trim().is_empty()) {
        return Ok((None, Vec::new()));
    }
    let mut store = open_store(db)?;
    let teams = if team.is_some() {
        store.teams()?
    } else {
        Vec::new()
    };
    let codes: Vec<String> = if villages.iter().any(|v| !v.trim().is_empty()) {
        store.village_codes()?.into_iter().collect()
    } else {
        Vec::new()
    };
    sigap::teams::registry::check_scope(team, villages, &teams, &codes).map_err(|e| in_bahasa(&e))
}

/// A refused team or village as the API says it, in Bahasa Indonesia (with the
/// closest known team), then in English in brackets with the known teams.
fn in_bahasa(e: &sigap::teams::registry::ScopeError) -> anyhow::Error {
    anyhow::anyhow!("{} ({e})", e.pesan())
}

/// Runs `sigap team ...`.
pub fn run_team(cmd: TeamCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        TeamCommand::Add { db, name } => {
            let accounts = open(&db)?;
            let mut store = open_store(&db)?;
            let name = sigap::teams::registry::new_team_name(&name, &store.teams()?)
                .map_err(|e| in_bahasa(&e))?;
            store.add_team(&name)?;
            audit(&accounts, "team_add", &name)?;
            writeln!(out, "team {name} added")?;
        }
        TeamCommand::List { db } => {
            open(&db)?;
            let mut store = open_store(&db)?;
            for t in store.teams()? {
                writeln!(out, "{t}")?;
            }
        }
    }
    Ok(())
}

/// Runs `sigap user ...`.
pub fn run_user(cmd: UserCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        UserCommand::Add {
            db,
            name,
            role,
            team,
            villages,
            password_stdin,
        } => {
            let accounts = open(&db)?;
            let (team, villages) = known_scope(&db, team.as_deref(), &villages)?;
            let chosen = password_stdin.then(stdin_password).transpose()?;
            let user = NewUser {
                username: name.clone(),
                role,
                team,
                villages,
            };
            let pw = accounts.add_user(&user, chosen.as_deref())?;
            audit(&accounts, "user_add", &format!("{name} ({role})"))?;
            if chosen.is_some() {
                writeln!(out, "user {name} ({role}) added")?;
            } else {
                writeln!(out, "user {name} ({role}) added; one-time password: {pw}")?;
                writeln!(
                    out,
                    "(shown only now; it must be changed at the first login)"
                )?;
            }
        }
        UserCommand::List { db } => {
            let accounts = open(&db)?;
            writeln!(
                out,
                "{:<20} {:<14} {:<24} {:<9} villages",
                "user", "role", "team", "state"
            )?;
            for u in accounts.users()? {
                let state = if u.disabled {
                    "disabled"
                } else if u.locked_until.is_some() {
                    "locked"
                } else if u.must_change {
                    "new"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{:<20} {:<14} {:<24} {:<9} {}",
                    u.username,
                    u.role.as_str(),
                    u.team.as_deref().unwrap_or("-"),
                    state,
                    u.villages.join(",")
                )?;
            }
        }
        UserCommand::Disable { db, name } => {
            let accounts = open(&db)?;
            accounts.set_disabled(&name, true)?;
            audit(&accounts, "user_disable", &name)?;
            writeln!(out, "user {name} disabled")?;
        }
        UserCommand::Enable { db, name } => {
            let accounts = open(&db)?;
            accounts.set_disabled(&name, false)?;
            audit(&accounts, "user_enable", &name)?;
            writeln!(out, "user {name} enabled")?;
        }
        UserCommand::Passwd {
            db,
            name,
            password_stdin,
        } => {
            let accounts = open(&db)?;
            let chosen = password_stdin.then(stdin_password).transpose()?;
            let pw = accounts.set_password(&name, chosen.as_deref())?;
            audit(&accounts, "passwd", &name)?;
            if chosen.is_some() {
                writeln!(out, "password of {name} set")?;
            } else {
                writeln!(out, "one-time password of {name}: {pw}")?;
            }
        }
    }
    Ok(())
}

/// Runs `sigap token ...`.
pub fn run_token(cmd: TokenCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        TokenCommand::Add { db, user, name } => {
            let accounts = open(&db)?;
            let account = accounts
                .user(&user)?
                .with_context(|| format!("no user `{user}`"))?;
            let (id, token) = accounts.create_token(account.id, &name)?;
            audit(
                &accounts,
                "token_add",
                &format!("token {id} ({name}) of {user}"),
            )?;
            writeln!(out, "{token}")?;
            eprintln!(
                "token {id} for {user}: shown only now; revoke with `sigap token revoke --db {db} {id}`"
            );
        }
        TokenCommand::List { db } => {
            let accounts = open(&db)?;
            writeln!(
                out,
                "{:>4} {:<20} {:<20} {:<21} state",
                "id", "user", "name", "created"
            )?;
            for t in accounts.tokens(None)? {
                let state = if t.revoked { "revoked" } else { "active" };
                writeln!(
                    out,
                    "{:>4} {:<20} {:<20} {:<21} {state}",
                    t.id, t.username, t.name, t.created_at
                )?;
            }
        }
        TokenCommand::Revoke { db, id } => {
            let accounts = open(&db)?;
            if !accounts.revoke_token(id, None)? {
                bail!("no token {id}");
            }
            audit(&accounts, "token_revoke", &format!("token {id}"))?;
            writeln!(out, "token {id} revoked")?;
        }
    }
    Ok(())
}

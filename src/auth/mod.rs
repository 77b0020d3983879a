//! Who is asking: accounts, roles, sessions, API tokens and the audit log.
//!
//! Every protected handler takes a [`Caller`] (an axum extractor, in `http`), asks it
//! what it may see ([`Caller::may_see_cases`], [`Caller::scope`]) and writes what it
//! served to the audit log. The wall between staff and public: nothing under
//! `/public` or `/embed` takes a `Caller`, and nothing that takes one is public.

mod accounts;
pub mod password;
pub(crate) mod schema;
pub mod secret;
pub mod throttle;

pub use crate::model::Scope;
pub use accounts::{
    Account, Accounts, AuditEntry, AuditRow, AuthError, Login, NewUser, TokenInfo, now,
};
pub use throttle::Policy;

use serde::{Deserialize, Serialize};

/// What an account may do. The order is not a hierarchy: a field officer sees cases a
/// viewer does not, but only their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, plus accounts and the audit log.
    Admin,
    /// All data of the city, imports.
    Planner,
    /// Only the children assigned to their team, and only in their villages.
    FieldOfficer,
    /// Aggregates only.
    Viewer,
}

impl Role {
    /// Every role, in the order the admin page lists them.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Planner, Role::FieldOfficer, Role::Viewer];

    /// The name used on the command line, in the store and in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::FieldOfficer => "field_officer",
            Role::Viewer => "viewer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "admin" => Ok(Role::Admin),
            "planner" | "perencana" => Ok(Role::Planner),
            "field_officer" | "field" | "petugas" => Ok(Role::FieldOfficer),
            "viewer" | "pemantau" => Ok(Role::Viewer),
            other => Err(format!(
                "unknown role `{other}`; roles: admin, planner, field_officer, viewer"
            )),
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session cookie; state-changing requests must carry its CSRF token.
    Session { csrf: String },
    /// An API token (`Authorization: Bearer ...`), by its id in the store.
    Token { id: i64 },
}

/// The authenticated account behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The OPD or TPK team a field officer belongs to.
    pub team: Option<String>,
    /// Village codes a field officer works in (empty for other roles).
    pub villages: Vec<String>,
    pub credential: Credential,
    /// Where the request came from (the socket peer, or the client a trusted proxy
    /// names), for the audit log; `None` in-process.
    pub address: Option<std::net::IpAddr>,
}

/// The finest H3 resolution a viewer sees (cells about 0.7 km², as on the public
/// map): a viewer reads aggregates only, and a res-10 cell (about 65 m across)
/// with one stunted child is that child's home.
pub const VIEWER_MAX_RES: u8 = 8;
/// The finest H3 resolution any other role sees.
pub const STAFF_MAX_RES: u8 = 10;

impl Caller {
    /// The finest H3 resolution this caller may read aggregates at.
    #[must_use]
    pub fn finest_res(&self) -> u8 {
        if self.role == Role::Viewer {
            VIEWER_MAX_RES
        } else {
            STAFF_MAX_RES
        }
    }

    /// Whether the caller may read case-level data at all (some of it).
    #[must_use]
    pub fn may_see_cases(&self) -> bool {
        !matches!(self.scope(), Scope::Nothing)
    }

    /// Imports and data administration: admin or planner.
    #[must_use]
    pub fn may_import(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Planner)
    }

    /// Accounts and the audit log: admin only.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The case-level records this caller may read.
    #[must_use]
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin | Role::Planner => Scope::All,
            Role::FieldOfficer => match &self.team {
                Some(team) if !team.trim().is_empty() => Scope::Team {
                    team: team.clone(),
                    villages: self.villages.clone(),
                },
                _ => Scope::Nothing,
            },
            Role::Viewer => Scope::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, team: Option<&str>) -> Caller {
        Caller {
            user_id: 1,
            username: "u".into(),
            role,
            team: team.map(str::to_owned),
            villages: vec!["7471011001".into()],
            credential: Credential::Token { id: 1 },
            address: None,
        }
    }

    #[test]
    fn scopes_follow_the_role() {
        assert_eq!(caller(Role::Planner, None).scope(), Scope::All);
        assert_eq!(caller(Role::Viewer, Some("Dinkes")).scope(), Scope::Nothing);
        assert_eq!(caller(Role::FieldOfficer, None).scope(), Scope::Nothing);
        assert_eq!(
            caller(Role::FieldOfficer, Some("Dinkes")).scope(),
            Scope::Team {
                team: "Dinkes".into(),
                villages: vec!["7471011001".into()]
            }
        );
        assert!(!caller(Role::Viewer, None).may_see_cases());
        assert!(caller(Role::Planner, None).may_import());
        assert!(!caller(Role::FieldOfficer, Some("x")).may_import());
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("boss".parse::<Role>().is_err());
    }
}

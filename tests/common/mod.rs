//! What the in-process HTTP tests share: one in-memory set of accounts with a
//! planner and the planner's API token, sent on every request.

use sigap::auth::{Accounts, NewUser, Role};
use std::sync::{Arc, OnceLock};

/// The accounts every test router is built with, and the planner's token.
pub fn auth() -> &'static (Arc<Accounts>, String) {
    static AUTH: OnceLock<(Arc<Accounts>, String)> = OnceLock::new();
    AUTH.get_or_init(|| {
        let accounts = Accounts::open_in_memory().expect("accounts");
        let user = NewUser {
            username: "planner".into(),
            role: Role::Planner,
            team: None,
            villages: Vec::new(),
        };
        accounts
            .add_user(&user, Some("perencana kota"))
            .expect("add planner");
        let id = accounts.user("planner").expect("q").expect("planner").id;
        let (_, token) = accounts.create_token(id, "tests").expect("token");
        (Arc::new(accounts), token)
    })
}

/// `Authorization: Bearer <planner token>`.
pub fn bearer() -> String {
    format!("Bearer {}", auth().1)
}

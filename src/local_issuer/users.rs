//! The people who can sign in, and the profile claims the ID token and `/userinfo` share.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::auth::{Permission, ReadAdminMessages};

/// A person who can sign in.
#[derive(Debug)]
pub(crate) struct User {
    /// The token `sub`.
    pub id: &'static str,
    /// The login name.
    pub email: &'static str,
    /// The demo password, shown on the login page (development only).
    pub password: &'static str,
    /// The role, named on the login page.
    pub role: &'static str,
    /// Permissions from the user's role.
    pub permissions: Vec<&'static str>,
    /// The avatar's background colour.
    colour: &'static str,
}

/// The two demo users.
pub(crate) fn demo_users() -> Vec<User> {
    vec![
        User {
            id: "local|admin",
            email: "admin@example.com",
            password: "demo-admin-password",
            role: "admin",
            permissions: vec![ReadAdminMessages::NAME],
            colour: "#3355cc",
        },
        User {
            id: "local|user",
            email: "user@example.com",
            password: "demo-user-password",
            role: "user",
            permissions: vec![],
            colour: "#17803a",
        },
    ]
}

impl User {
    /// The part of the email before `@`.
    pub(crate) fn nickname(&self) -> &'static str {
        self.email.split('@').next().unwrap_or(self.email)
    }

    /// A round avatar with the user's initial, as a `data:` URL: the samples' Profile pages show
    /// `picture`, and a `data:` URL needs no request the page's policy might forbid.
    pub(crate) fn picture(&self) -> String {
        let initial = self.nickname().chars().next().unwrap_or('?').to_ascii_uppercase();
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"128\" height=\"128\" viewBox=\"0 0 128 128\">\
             <circle cx=\"64\" cy=\"64\" r=\"64\" fill=\"{}\"/>\
             <text x=\"64\" y=\"84\" font-family=\"system-ui,Arial,sans-serif\" font-size=\"60\" \
             font-weight=\"600\" fill=\"#fff\" text-anchor=\"middle\">{initial}</text></svg>",
            self.colour
        );
        format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
    }

    /// Adds the profile claims to `claims` (the ID token and `/userinfo` answer the same ones).
    pub(crate) fn add_profile(&self, claims: &mut Value) {
        claims["email"] = json!(self.email);
        claims["email_verified"] = json!(true);
        claims["name"] = json!(self.email);
        claims["nickname"] = json!(self.nickname());
        claims["picture"] = json!(self.picture());
    }
}

#[cfg(test)]
mod tests {
    use super::demo_users;

    #[test]
    fn every_user_has_a_picture_of_their_own() {
        let pictures: Vec<String> = demo_users().iter().map(|user| user.picture()).collect();
        assert!(pictures.iter().all(|picture| picture.starts_with("data:image/svg+xml;base64,")));
        assert_ne!(pictures[0], pictures[1]);
    }
}

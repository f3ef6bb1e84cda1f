//! One file per endpoint, as an OpenID provider lays them out.
//!
//! - `discovery.rs`: `/.well-known/openid-configuration`; `jwks.rs`: `/.well-known/jwks.json`;
//! - `authorize.rs`: `/authorize`, GET and the login form's POST;
//! - `token.rs`: `/oauth/token`, dispatching to `grants/`;
//! - `userinfo.rs`: `/userinfo`; `logout.rs`: `/v2/logout`;
//! - `assets.rs`: the pages' styles, script and `/favicon.ico`.

pub(super) mod assets;
pub(super) mod authorize;
pub(super) mod discovery;
pub(super) mod jwks;
pub(super) mod logout;
pub(super) mod token;
pub(super) mod userinfo;

//! The documented defaults that more than one part of the crate needs: one place each
//! (docs/configuration.md, docs/local-issuer.md).

/// `PORT`: the API's port (the Auth0 samples call the API on 6060).
pub const API_PORT: u16 = 6060;
/// `LOCAL_ISSUER_PORT`: the local issuer's port.
pub const LOCAL_ISSUER_PORT: u16 = 6061;
/// The audience that local mode accepts and mints tokens for, unless `AUDIENCE` says otherwise.
pub const LOCAL_AUDIENCE: &str = "https://hello-world.example.com";
/// The local issuer's client without permissions.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// `LOCAL_CLIENT_SECRET`: its secret.
pub const DEMO_CLIENT_SECRET: &str = "demo-client-secret";
/// The local issuer's client granted `read:admin-messages`.
pub const DEMO_ADMIN_ID: &str = "demo-admin";
/// `LOCAL_ADMIN_SECRET`: its secret.
pub const DEMO_ADMIN_SECRET: &str = "demo-admin-secret";

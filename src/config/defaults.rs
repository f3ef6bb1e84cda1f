//! Facts about the local issuer that more than one part of the crate needs: one place each
//! (docs/local-issuer.md). The settings' own defaults are declared with them, in `vars`.

/// The audience that local mode accepts and mints tokens for, unless `AUDIENCE` says otherwise.
pub const LOCAL_AUDIENCE: &str = "https://hello-world.example.com";
/// The local issuer's client without permissions.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// Its secret unless `LOCAL_CLIENT_SECRET` is set (the setting's declared default).
pub const DEMO_CLIENT_SECRET: &str = "demo-client-secret";
/// The local issuer's client granted `read:admin-messages`.
pub const DEMO_ADMIN_ID: &str = "demo-admin";
/// Its secret unless `LOCAL_ADMIN_SECRET` is set (the setting's declared default).
pub const DEMO_ADMIN_SECRET: &str = "demo-admin-secret";

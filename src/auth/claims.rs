//! The verified claims of a request's access token: data only (the extractor is in `extract.rs`).

use std::sync::Arc;

use serde_json::{Map, Value};

/// The claims of a verified access token. A handler that takes `Claims` is protected: it runs
/// only for requests carrying a valid token. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct Claims(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    claims: Map<String, Value>,
    permissions: Vec<String>,
    expires_at: f64,
}

impl Claims {
    pub(crate) fn new(claims: Map<String, Value>, mut permissions: Vec<String>, expires_at: f64) -> Self {
        permissions.sort_unstable();
        permissions.dedup();
        Self(Arc::new(Inner { claims, permissions, expires_at }))
    }

    /// The `sub` claim, when present.
    pub fn subject(&self) -> Option<&str> {
        self.0.claims.get("sub").and_then(Value::as_str)
    }

    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.claims.get(name)
    }

    /// The granted permissions: the union of the `PERMISSIONS_CLAIM` claims, sorted.
    pub fn permissions(&self) -> &[String] {
        &self.0.permissions
    }

    /// Whether `permission` is granted.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.0.permissions.binary_search_by(|granted| granted.as_str().cmp(permission)).is_ok()
    }

    /// The token's `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> f64 {
        self.0.expires_at
    }
}

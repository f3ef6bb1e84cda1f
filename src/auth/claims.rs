//! The verified claims of a request's access token: data only (the extractor is in `extract.rs`).
//!
//! What the cache of verified tokens keeps per token is its expiry and a [`Grant`]: the
//! permissions, `sub` and the DPoP binding, shared by every token granting the same (the validator
//! keeps a small pool of them). The whole claim set is not kept there (as `serde_json` maps,
//! 10 000 of them were most of the server's memory, docs/performance.md, "Memory"): a request's
//! [`Claims`] carry the token's own payload segment and decode it the first time a handler asks
//! for another claim.

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The claims of a verified access token. A handler that takes `Claims` is protected: it runs
/// only for requests carrying a valid token. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct Claims(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    grant: Arc<Grant>,
    expires_at: f64,
    /// The token's payload segment (base64url), verified with the token; empty when `all` was
    /// filled at creation.
    payload: Box<str>,
    /// The whole claim set, decoded from `payload` when first asked for.
    all: OnceLock<Map<String, Value>>,
}

/// What a verified token grants, as the cache of verified tokens keeps it: no more than the
/// checks and the handlers read on every request, and nothing that differs between two tokens of
/// the same client and key (so that they can share one).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Grant {
    subject: Option<Box<str>>,
    permissions: Box<[String]>,
    /// `cnf.jkt`: the thumbprint of the DPoP key the token is bound to.
    bound_key: Option<Box<str>>,
}

impl Grant {
    pub(crate) fn new(claims: &Map<String, Value>, mut permissions: Vec<String>) -> Self {
        permissions.sort_unstable();
        permissions.dedup();
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(Box::from);
        Self {
            subject: text(claims.get("sub")),
            permissions: permissions.into_boxed_slice(),
            bound_key: text(claims.get("cnf").and_then(|cnf| cnf.get("jkt"))),
        }
    }
}

impl Claims {
    /// Claims whose whole set is at hand (a full check has just parsed it).
    pub(crate) fn parsed(grant: Arc<Grant>, expires_at: f64, claims: Map<String, Value>) -> Self {
        Self(Arc::new(Inner { grant, expires_at, payload: Box::default(), all: OnceLock::from(claims) }))
    }

    /// Claims of a token verified earlier: `payload` is its payload segment, decoded only if a
    /// claim outside the grant is asked for.
    pub(crate) fn remembered(grant: Arc<Grant>, expires_at: f64, payload: &str) -> Self {
        Self(Arc::new(Inner { grant, expires_at, payload: payload.into(), all: OnceLock::new() }))
    }

    /// The `sub` claim, when present.
    pub fn subject(&self) -> Option<&str> {
        self.0.grant.subject.as_deref()
    }

    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.all().get(name)
    }

    /// The granted permissions: the union of the `PERMISSIONS_CLAIM` claims, sorted.
    pub fn permissions(&self) -> &[String] {
        &self.0.grant.permissions
    }

    /// Whether `permission` is granted.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.0.grant.permissions.binary_search_by(|granted| granted.as_str().cmp(permission)).is_ok()
    }

    /// The token's `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> f64 {
        self.0.expires_at
    }

    /// `cnf.jkt`, the thumbprint of the DPoP key the token is bound to (docs/dpop.md).
    pub fn bound_key(&self) -> Option<&str> {
        self.0.grant.bound_key.as_deref()
    }

    /// What the cache of verified tokens keeps of these claims.
    pub(crate) fn grant(&self) -> &Arc<Grant> {
        &self.0.grant
    }

    fn all(&self) -> &Map<String, Value> {
        // The payload decoded to a JSON object when the token was verified, so this cannot fail;
        // an empty set would be the safe answer if it did.
        self.0.all.get_or_init(|| {
            URL_SAFE_NO_PAD
                .decode(&*self.0.payload)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_default()
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims() -> Map<String, Value> {
        let value = json!({ "sub": "user-1", "exp": 2e9, "cnf": { "jkt": "abc" }, "name": "Ada" });
        value.as_object().unwrap().clone()
    }

    #[test]
    fn remembered_claims_answer_like_parsed_ones() {
        let all = claims();
        let grant = Arc::new(Grant::new(&all, vec!["b".into(), "a".into(), "b".into()]));
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&all).unwrap());
        let parsed = Claims::parsed(grant.clone(), 2e9, all);
        let remembered = Claims::remembered(grant, 2e9, &payload);
        for claims in [&parsed, &remembered] {
            assert_eq!(claims.subject(), Some("user-1"));
            assert_eq!(claims.bound_key(), Some("abc"));
            assert_eq!(claims.permissions(), ["a", "b"]);
            assert!(claims.has_permission("a") && !claims.has_permission("c"));
            assert_eq!(claims.get("name"), Some(&json!("Ada")));
            assert_eq!(claims.get("missing"), None);
            assert_eq!(claims.expires_at(), 2e9);
        }
    }
}

//! What every handler of the issuer shares: its name, audience, key, clients and DPoP policy.

use std::sync::{Arc, OnceLock};

use actix_web::web;

use super::dpop::TokenProofs;
use super::key::SigningKey;
use crate::auth::dpop::ProofPolicy;
use crate::auth::{Permission, ReadAdminMessages, Validator};
use crate::config::{LocalIssuerSettings, defaults};

/// Lifetime of issued tokens, in seconds.
pub(crate) const TOKEN_LIFETIME_SECS: u64 = 3600;

/// The public SPA client's id.
pub(crate) const SPA_CLIENT_ID: &str = "demo-spa";

/// A client the local issuer knows.
#[derive(Clone, Debug)]
pub struct DemoClient {
    /// `demo-client` or `demo-admin`.
    pub id: &'static str,
    /// Its secret (`LOCAL_CLIENT_SECRET` / `LOCAL_ADMIN_SECRET`).
    pub secret: String,
    /// Permissions put in its tokens.
    pub permissions: Vec<&'static str>,
}

/// The two demo clients, with their configured secrets.
pub(crate) fn demo_clients(settings: &LocalIssuerSettings) -> Vec<DemoClient> {
    vec![
        DemoClient { id: defaults::DEMO_CLIENT_ID, secret: settings.client_secret.clone(), permissions: vec![] },
        DemoClient {
            id: defaults::DEMO_ADMIN_ID,
            secret: settings.admin_secret.clone(),
            permissions: vec![ReadAdminMessages::NAME],
        },
    ]
}

/// The validator `/userinfo` checks tokens with: the API's own, set once it exists (the API's
/// validator trusts the issuer through discovery, so it is made after the issuer starts).
pub(crate) type ValidatorSlot = Arc<OnceLock<web::Data<Validator>>>;

/// Everything the issuer's handlers share.
pub struct IssuerState {
    pub(super) issuer: String,
    pub(super) audience: String,
    pub(super) key: SigningKey,
    pub(super) clients: Vec<DemoClient>,
    pub(super) validator: ValidatorSlot,
    pub(super) proofs: TokenProofs,
}

impl IssuerState {
    /// An issuer at `issuer` (e.g. `http://127.0.0.1:6061/`) minting tokens for `audience`,
    /// checking token requests' DPoP proofs under `proof_policy` (start-up passes the API's, so
    /// a key the issuer binds a token to is one the API accepts proofs from).
    pub fn new(
        issuer: String,
        audience: String,
        key: SigningKey,
        clients: Vec<DemoClient>,
        proof_policy: ProofPolicy,
    ) -> Self {
        let (validator, proofs) = (ValidatorSlot::default(), TokenProofs::new(proof_policy));
        Self { issuer, audience, key, clients, validator, proofs }
    }

    /// Where start-up puts the API's validator for `/userinfo`.
    pub(crate) fn validator_slot(&self) -> ValidatorSlot {
        Arc::clone(&self.validator)
    }

    pub(super) fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

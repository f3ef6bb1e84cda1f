//! The key set of the one trusted issuer: where it comes from, the types its users see, and the
//! cache that keeps it.
//!
//! The rules (docs/contract.md, "The key set"):
//! - keys are fetched in the background at start-up, and again when stale (in the background,
//!   while the stale keys keep serving) or when a token names an unknown `kid`;
//! - refreshes caused by unknown `kid`s happen at most once per cooldown, counted from the last such
//!   refresh; the start-up fetch and stale refreshes do not start the cooldown;
//! - callers that need a fetch while one is running wait for it instead of starting another;
//! - a failed fetch keeps the last good keys, and no fetch is attempted again for `retry` after a failure;
//! - every fetch is bounded in time and size and obeys the https-or-loopback rule.
//!
//! `cache.rs` holds the rules above, `fetch.rs` the downloads and discovery, `jwk.rs` the parsing of
//! keys into verifiers.

mod cache;
mod fetch;
mod jwk;

use std::sync::Arc;
use std::time::Duration;

use url::Url;

pub use cache::{KeySet, KeySetObserver};
pub use fetch::parse_metadata;
pub use jwk::{SignatureError, VerifyingKey, parse_key_set};
pub(crate) use jwk::{key_material, public_key};

/// The most a key-set or metadata document may weigh; larger answers are refused unread.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// How long one fetch (connect, headers and body) may take.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The placeholder Microsoft's multi-tenant metadata puts in its `issuer`.
pub(crate) const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Where the keys and the expected issuer come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The issuer is known and the keys are at a fixed URL (Auth0).
    Fixed {
        /// The exact `iss` tokens must carry.
        issuer: String,
        /// The key-set URL.
        jwks_uri: Url,
    },
    /// OpenID Connect discovery: the metadata document names the issuer and the key-set URL.
    Discovery {
        /// The metadata document's URL.
        metadata_url: Url,
        /// What the metadata's `issuer` must match.
        issuer: IssuerCheck,
    },
}

/// What the `issuer` of a discovered metadata document must match, or the document is a failed
/// fetch (OpenID Connect Discovery 1.0, section 4.3; docs/providers.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerCheck {
    /// This URL, ignoring one trailing `/` on either side: `ISSUER_BASE_URL` and the local issuer.
    Equals(String),
    /// A URL with this one's scheme, host and port: the Entra ID and B2C presets, whose metadata
    /// names the tenant's id (or `{tenantid}`) where the configuration names a domain, `common`,
    /// `organizations` or a policy.
    SameOrigin(Url),
}

impl IssuerCheck {
    /// Whether the metadata's `issuer` passes.
    pub fn accepts(&self, issuer: &str) -> bool {
        match self {
            Self::Equals(expected) => {
                let trim = |url: &str| url.strip_suffix('/').unwrap_or(url).to_owned();
                trim(expected) == trim(issuer)
            }
            Self::SameOrigin(expected) => Url::parse(issuer).is_ok_and(|issuer| issuer.origin() == expected.origin()),
        }
    }
}

impl std::fmt::Display for IssuerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Equals(expected) => write!(f, "{expected}"),
            Self::SameOrigin(expected) => write!(f, "an issuer on {}", expected.origin().ascii_serialization()),
        }
    }
}

impl KeySource {
    fn url(&self) -> &Url {
        match self {
            Self::Fixed { jwks_uri, .. } => jwks_uri,
            Self::Discovery { metadata_url, .. } => metadata_url,
        }
    }
}

/// The `iss` a token must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedIssuer {
    /// Exactly this value.
    Exact(String),
    /// A template holding `{tenantid}`, filled with the token's own `tid` (Entra ID multi-tenant).
    PerTenant(String),
}

impl ExpectedIssuer {
    fn from_metadata(issuer: String) -> Self {
        if issuer.contains(TENANT_PLACEHOLDER) { Self::PerTenant(issuer) } else { Self::Exact(issuer) }
    }
}

/// Timing rules of the cache.
#[derive(Clone, Copy, Debug)]
pub struct RefreshPolicy {
    /// How long fetched keys are fresh (`JWKS_CACHE_SECONDS`).
    pub fresh_for: Duration,
    /// Least time between two refreshes caused by unknown `kid`s (`JWKS_COOLDOWN_SECONDS`).
    pub cooldown: Duration,
    /// Least time between a failed fetch and the next attempt (`JWKS_RETRY_SECONDS`).
    pub retry: Duration,
}

/// A key found for a token, with the issuer the same document set names.
#[derive(Clone, Debug)]
pub struct FoundKey {
    /// The key the token's `kid` names.
    pub key: Arc<VerifyingKey>,
    /// The `iss` the token must carry.
    pub issuer: Arc<ExpectedIssuer>,
}

/// Why no key could be had for a token.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyLookupError {
    /// The key set is known and has no such `kid`.
    UnknownKid,
    /// The key set cannot be had right now; try again after this long.
    Unavailable {
        /// When a new attempt may succeed.
        retry_after: Duration,
    },
}

/// Why a fetch failed. Logged only; never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connection refused, reset, DNS, TLS, timeout, redirect refused…
    #[error("request failed: {0}")]
    Network(#[from] reqwest::Error),
    /// Any status but 200.
    #[error("answered HTTP {0}")]
    Status(u16),
    /// Larger than `MAX_DOCUMENT_BYTES`.
    #[error("answer is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    /// Not the JSON document expected.
    #[error("answer is not a valid {0}")]
    BadDocument(&'static str),
    /// A key set with no key this server can use.
    #[error("key set holds no usable key ({0} skipped)")]
    NoUsableKeys(usize),
    /// Metadata naming an issuer other than the configured one.
    #[error("OpenID metadata names the issuer {found:?}, not {expected}")]
    IssuerMismatch {
        /// What the configuration expects.
        expected: String,
        /// What the metadata names.
        found: String,
    },
    /// A URL named by the metadata that breaks the https-or-loopback rule.
    #[error("{0}")]
    Insecure(String),
}

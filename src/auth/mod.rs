//! The authorization layer: the key set (`jwks`), token validation (`validator`) and its pure
//! claim checks (`policy`), DPoP proofs (`dpop`), the verified claims, the extractors handlers
//! take (`extract`), permissions, and the one error type.
//!
//! It imports nothing above it: what it does is reported through small observer traits
//! (`TokenObserver`, [`KeySetObserver`], `dpop::DpopObserver`) that the metrics implement,
//! each outcome a stable code ([`AuthError::code`]).

mod algorithm;
mod claims;
pub(crate) mod dpop;
mod error;
mod extract;
pub mod jwks;
mod permissions;
mod policy;
mod validator;

pub use algorithm::SigningAlgorithm;
pub use claims::Claims;
pub use error::AuthError;
pub(crate) use error::InvalidToken;
pub use extract::bearer_token;
pub(crate) use jwks::KeySetObserver;
pub use jwks::{ExpectedIssuer, IssuerCheck, KeySet, KeySource, RefreshPolicy};
pub(crate) use permissions::ReadAdminMessages;
pub use permissions::{Permission, RequirePermission};
pub(crate) use policy::unix_seconds;
pub use policy::{TokenPolicy, check_claims};
pub(crate) use validator::TokenObserver;
pub use validator::{MAX_TOKEN_BYTES, Validator, parse_token};

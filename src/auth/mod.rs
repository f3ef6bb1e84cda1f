//! The authorization layer: the key set (`jwks`), token validation (`validator`) and its pure
//! claim checks (`policy`), DPoP proofs (`dpop`), the verified claims, the extractors handlers
//! take (`extract`), permissions, and the one error type.
//!
//! It imports nothing above it: what it does is reported through small observer traits
//! ([`TokenObserver`], [`KeySetObserver`], [`dpop::DpopObserver`]) that the metrics implement,
//! each outcome a stable code ([`AuthError::code`]).

mod algorithm;
mod claims;
pub mod dpop;
mod error;
mod extract;
pub mod jwks;
mod permissions;
mod policy;
mod validator;

pub use algorithm::{KeyKind, SigningAlgorithm};
pub use claims::Claims;
pub use error::{AuthError, InvalidToken, Refusal, Scheme};
pub use extract::bearer_token;
pub use jwks::{ExpectedIssuer, IssuerCheck, KeySet, KeySetObserver, KeySource, RefreshPolicy};
pub use permissions::{Permission, ReadAdminMessages, RequirePermission};
pub use policy::{TokenPolicy, check_claims};
pub use validator::{MAX_TOKEN_BYTES, ParsedToken, TokenObserver, Validator, parse_token};

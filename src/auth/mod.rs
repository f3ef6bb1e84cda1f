//! The authorization layer: the key set (`jwks`), token validation (`validator`), DPoP proofs
//! (`dpop`), the verified claims, the extractors handlers take (`extract`), permissions, and the one error type.

mod algorithm;
mod claims;
pub mod dpop;
mod error;
mod extract;
pub mod jwks;
mod permissions;
mod validator;

pub use algorithm::{KeyKind, SigningAlgorithm};
pub use claims::Claims;
pub use error::{AuthError, InvalidToken, Refusal, Scheme};
pub use extract::bearer_token;
pub use jwks::{ExpectedIssuer, IssuerCheck, KeySet, KeySource, RefreshPolicy};
pub use permissions::{Permission, ReadAdminMessages, RequirePermission};
pub use validator::{MAX_TOKEN_BYTES, ParsedToken, TokenPolicy, Validator, parse_token};

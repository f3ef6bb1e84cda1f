//! The authorization layer: key set, token validation, claims extractor and permissions.

mod algorithm;
mod claims;
mod error;
pub mod jwks;
mod permissions;
mod validator;

pub use algorithm::{KeyKind, SigningAlgorithm};
pub use claims::{Claims, bearer_token};
pub use error::{AuthError, InvalidToken};
pub use jwks::{ExpectedIssuer, KeySet, KeySource, RefreshPolicy};
pub use permissions::{Permission, ReadAdminMessages, RequirePermission};
pub use validator::{MAX_TOKEN_BYTES, ParsedToken, TokenPolicy, Validator, parse_token};

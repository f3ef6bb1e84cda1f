//! The verified claims of a request's access token, and the extractor that protects a handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde_json::{Map, Value};

use super::error::{AuthError, InvalidToken};
use super::validator::Validator;

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

/// The token of an `Authorization: Bearer <token>` header (scheme in any case).
///
/// No header, another scheme or an empty token is [`AuthError::MissingToken`]; a header that is
/// not visible ASCII, or that appears twice, is malformed.
pub fn bearer_token(request: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(AuthError::MissingToken);
    };
    if values.next().is_some() {
        return Err(InvalidToken::MalformedHeader.into());
    }
    let value = value.to_str().map_err(|_| InvalidToken::MalformedHeader)?.trim();
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MissingToken);
    }
    match token.trim() {
        "" => Err(AuthError::MissingToken),
        token => Ok(token),
    }
}

impl FromRequest for Claims {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(request).map(str::to_owned);
        let validator = request.app_data::<web::Data<Validator>>().cloned();
        Box::pin(async move {
            let token = token?;
            let validator = validator.expect("the Validator is registered as app data at start-up");
            let result = validator.validate(&token).await;
            if let Err(err) = &result {
                log::debug!("token rejected: {err}");
            }
            result
        })
    }
}

//! The actix extractors that protect handlers: a handler that takes [`Claims`] needs a valid
//! token, one that takes [`RequirePermission`] needs a permission too (docs/contract.md, "Errors":
//! the token is checked first, 401, the permission second, 403).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::claims::Claims;
use super::error::{AuthError, InvalidToken};
use super::permissions::{Permission, RequirePermission};
use super::validator::Validator;

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

impl<P: Permission + 'static> FromRequest for RequirePermission<P> {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let claims = Claims::from_request(request, payload);
        Box::pin(async move {
            let claims = claims.await?;
            if !claims.has_permission(P::NAME) {
                log::debug!("permission {} not granted", P::NAME);
                return Err(AuthError::InsufficientScope(P::NAME));
            }
            Ok(Self::granted(claims))
        })
    }
}

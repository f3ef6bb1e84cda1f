//! Permission requirements, stated once in a handler's signature.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::claims::Claims;
use super::error::AuthError;

/// A permission a handler can require, as a type.
pub trait Permission {
    /// The permission string that must be granted, e.g. `read:admin-messages`.
    const NAME: &'static str;
}

/// `read:admin-messages`: reading the admin message.
pub struct ReadAdminMessages;

impl Permission for ReadAdminMessages {
    const NAME: &'static str = "read:admin-messages";
}

/// Extracts the token's [`Claims`] and requires permission `P`.
///
/// The token is checked first (401), the permission second (403). Unlike an actix `Guard`, a
/// missing permission is a 403, never a 404.
pub struct RequirePermission<P: Permission> {
    /// The verified claims, which grant `P`.
    pub claims: Claims,
    permission: PhantomData<P>,
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
            Ok(Self { claims, permission: PhantomData })
        })
    }
}

//! Permission requirements, stated once in a handler's signature.

use std::marker::PhantomData;

use super::claims::Claims;

/// A permission a handler can require, as a type.
pub trait Permission {
    /// The permission string that must be granted, e.g. `read:admin-messages`.
    const NAME: &'static str;
    /// What it grants, in a few words (the OpenAPI document's scope description); the name
    /// unless stated.
    const DESCRIPTION: &'static str = Self::NAME;
}

/// `read:admin-messages`: reading the admin message.
pub struct ReadAdminMessages;

impl Permission for ReadAdminMessages {
    const NAME: &'static str = "read:admin-messages";
    const DESCRIPTION: &'static str = "Read the admin message.";
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

impl<P: Permission> RequirePermission<P> {
    /// `claims`, which must grant `P` (checked by the extractor).
    pub(super) fn granted(claims: Claims) -> Self {
        Self { claims, permission: PhantomData }
    }
}

//! The route table: every route of the API described in the OpenAPI document, once. Each entry
//! registers its handler with actix (one method; any other gets 405 with `Allow`) and hands the
//! document its path, its operation and the schemas of its bodies, all read from the handler's
//! `#[utoipa::path]` attribute. What the handler's extractors demand (a token, a permission) is
//! read from its signature, so the document's security and 401, 403 and 503 answers follow the
//! code (docs/how-it-works.md, "Adding a route").

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpRequest, Responder, web};
use utoipa::__dev::{SchemaReferences, Tags};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::schema::Schema;

use super::{health, messages};
use crate::auth::{Claims, Permission, RequirePermission};

/// Every route the OpenAPI document describes. A new route is one line here.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new(messages::__path_public, messages::public),
        Route::new(messages::__path_protected, messages::protected),
        Route::new(messages::__path_admin, messages::admin),
        Route::new(health::__path_live, health::live),
        Route::new(health::__path_ready, health::ready),
    ]
}

/// Registers every route of [`routes`].
pub(crate) fn configure(config: &mut web::ServiceConfig) {
    for route in routes() {
        (route.register)(config);
    }
}

/// What a request must carry to reach a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Nothing.
    Open,
    /// A valid access token.
    Token,
    /// A valid access token granting this permission.
    Permission {
        /// The permission's name, e.g. `read:admin-messages`.
        name: &'static str,
        /// What it grants, in a few words.
        description: &'static str,
    },
}

impl Access {
    /// The stronger of two demands (a permission implies a token).
    const fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Permission { .. }, _) | (Self::Token, Self::Open) => self,
            _ => other,
        }
    }
}

/// What an extractor demands of a request. Every extractor a documented handler takes implements
/// it; a new extractor type that guards a handler must say so here, or the document would call
/// its route open.
pub(crate) trait Demand {
    /// The extractor's demand.
    const ACCESS: Access;
}

impl Demand for Claims {
    const ACCESS: Access = Access::Token;
}

impl<P: Permission> Demand for RequirePermission<P> {
    const ACCESS: Access = Access::Permission { name: P::NAME, description: P::DESCRIPTION };
}

impl<T: ?Sized + 'static> Demand for web::Data<T> {
    const ACCESS: Access = Access::Open;
}

impl Demand for HttpRequest {
    const ACCESS: Access = Access::Open;
}

/// A handler's arguments demand the strongest of their extractors' demands.
macro_rules! demand_of_arguments {
    ($($extractor:ident),*) => {
        impl<$($extractor: Demand),*> Demand for ($($extractor,)*) {
            const ACCESS: Access = Access::Open$(.and($extractor::ACCESS))*;
        }
    };
}
demand_of_arguments!();
demand_of_arguments!(A);
demand_of_arguments!(A, B);
demand_of_arguments!(A, B, C);
demand_of_arguments!(A, B, C, D);

/// One route: how actix serves it and how the document describes it.
pub(crate) struct Route {
    /// The path, e.g. `/api/messages/admin`.
    pub path: String,
    /// The one method it answers.
    pub method: HttpMethod,
    /// What its handler's extractors demand.
    pub access: Access,
    operation: fn() -> Operation,
    tags: fn() -> Vec<&'static str>,
    schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
    register: Box<dyn Fn(&mut web::ServiceConfig)>,
}

impl Route {
    /// `handler`, described by `doc`: the `__path_<handler>` type that `#[utoipa::path]`
    /// generates beside it, which holds the path, the method and the responses.
    pub(crate) fn new<D, F, Args>(_doc: D, handler: F) -> Self
    where
        D: utoipa::Path + SchemaReferences + Tags<'static>,
        F: Handler<Args>,
        Args: FromRequest + Demand + 'static,
        F::Output: Responder + 'static,
    {
        let path = D::path();
        let method = match D::methods().as_slice() {
            [method] => method.clone(),
            _ => panic!("{path}: a route of the table answers exactly one method"),
        };
        let actix_method = actix_method(&method);
        let registered = path.clone();
        Self {
            path,
            method,
            access: Args::ACCESS,
            operation: D::operation,
            tags: D::tags,
            schemas: D::schemas,
            register: Box::new(move |config| {
                config.service(super::only(actix_method.clone(), &registered, handler.clone()));
            }),
        }
    }

    /// The operation of the `#[utoipa::path]` attribute, with its tags.
    pub(crate) fn operation(&self) -> Operation {
        let mut operation = (self.operation)();
        let tags = (self.tags)();
        if !tags.is_empty() {
            operation.tags = Some(tags.into_iter().map(str::to_owned).collect());
        }
        operation
    }

    /// The schemas its bodies use, by name.
    pub(crate) fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        (self.schemas)(schemas);
    }
}

/// The method's name, as actix and the `Allow` header spell it.
pub(crate) fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    Method::from_bytes(method_name(method).as_bytes()).expect("a standard method")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_is_read_from_the_handlers_signature() {
        let access: Vec<(String, Access)> = routes().into_iter().map(|route| (route.path, route.access)).collect();
        let admin = Access::Permission { name: "read:admin-messages", description: "Read the admin message." };
        assert_eq!(
            access,
            [
                ("/api/messages/public".to_owned(), Access::Open),
                ("/api/messages/protected".to_owned(), Access::Token),
                ("/api/messages/admin".to_owned(), admin),
                ("/health/live".to_owned(), Access::Open),
                ("/health/ready".to_owned(), Access::Open),
            ]
        );
    }
}

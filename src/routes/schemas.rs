//! Response bodies as OpenAPI schemas built from their exact strings: the error bodies every route
//! shares, and the [`exact_schema!`] macro the resources use for their own bodies.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// An object whose only member `name` is one of `values`.
pub(crate) fn object_of_one(name: &str, values: &[&str], description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property(name, ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())))
        .required(name)
}

/// A schema type built by hand from exact strings, named after the type.
macro_rules! exact_schema {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let schema: utoipa::openapi::schema::ObjectBuilder = $schema;
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(schema.build()))
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use exact_schema;

exact_schema!(
    /// Every error body: a `message`, and for token errors `error` and `error_description`.
    ErrorBody => ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("Every error body is JSON with a `message` (docs/contract.md, \"Errors\")."))
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .property(
            "error",
            ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["invalid_token", "insufficient_scope"])),
        )
        .property(
            "error_description",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("A short fixed phrase, e.g. `token has expired`; never a token or claim value.")),
        )
        .required("message")
);
exact_schema!(
    /// 401: no token, or a token that is not valid.
    Unauthorized => object_of_one("message", &["Requires authentication", "Bad credentials"], "No token (`Requires authentication`), or a token that is not valid (`Bad credentials`, with `error` and `error_description`).")
        .property("error", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["invalid_token", "invalid_dpop_proof"])))
        .property("error_description", ObjectBuilder::new().schema_type(Type::String))
);
exact_schema!(
    /// 503: the signing keys cannot be had.
    Unavailable => object_of_one("message", &["Unable to verify credentials"], "The signing keys cannot be had and none is cached for the token.")
);
exact_schema!(
    /// 404: unknown path.
    NotFound => object_of_one("message", &["Not Found"], "Unknown path.")
);
exact_schema!(
    /// 405: a known path with another method.
    MethodNotAllowed => object_of_one("message", &["Method Not Allowed"], "A known path with another method than GET.")
);
exact_schema!(
    /// 500: anything unexpected.
    InternalError => object_of_one("message", &["Internal Server Error"], "Anything unexpected.")
);

/// The name of the 403 body's schema, [`forbidden`].
pub(crate) const FORBIDDEN: &str = "Forbidden";

/// 403: a valid token without the permission; `error_description` is `Requires <permission>` for
/// one of `permissions` (every permission a route of the table requires).
pub(crate) fn forbidden<'a>(permissions: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    let descriptions: Vec<String> =
        permissions.into_iter().map(|permission| format!("Requires {permission}")).collect();
    let schema = object_of_one("message", &["Permission denied"], "A valid token without the permission.")
        .property("error", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["insufficient_scope"])))
        .property("error_description", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(descriptions)))
        .required("error")
        .required("error_description");
    RefOr::T(Schema::Object(schema.build()))
}

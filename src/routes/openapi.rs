//! `GET /openapi.json`: the OpenAPI 3.1 description of the API, generated from the handlers'
//! `#[utoipa::path]` attributes and the body types (docs/operations.md, "OpenAPI").
//!
//! The document is built once at start-up, because its `oauth2` security scheme names the
//! configured issuer's token endpoint.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, OpenIdConnect, Scopes, SecurityScheme,
};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::{health, messages};
use crate::auth::{Permission, ReadAdminMessages};
use crate::config::Authority;
use crate::urls::metadata_url;

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";
/// The name of the DPoP security scheme (RFC 9449, docs/dpop.md).
pub const DPOP: &str = "DPoP";
/// The name of the client-credentials security scheme.
pub const CLIENT_CREDENTIALS: &str = "oauth2";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hello World API",
        description = "Public, protected and admin messages behind JWT access tokens (docs/contract.md).",
    ),
    paths(messages::public, messages::protected, messages::admin, health::live, health::ready),
    components(schemas(
        PublicMessage,
        ProtectedMessage,
        AdminMessage,
        ErrorBody,
        Unauthorized,
        Forbidden,
        Unavailable,
        NotFound,
        MethodNotAllowed,
        InternalError,
        health::Live,
        health::Ready,
        health::NotReady,
    )),
    tags(
        (name = "messages", description = "The three messages."),
        (name = "health", description = "Probes for load balancers and Kubernetes."),
    )
)]
struct ApiDoc;

/// Where a caller gets a token, for the `oauth2` scheme's `tokenUrl`.
pub enum TokenEndpoint<'a> {
    /// Local mode: the embedded issuer at this URL (`http://localhost:{port}/`, its name).
    Local(&'a str),
    /// The configured issuer.
    Configured(&'a Authority),
}

/// The document, serialized, for the issuer the server trusts.
pub fn document(token_endpoint: TokenEndpoint<'_>) -> String {
    let mut document = ApiDoc::openapi();
    add_security_schemes(&mut document, token_endpoint);
    // utoipa knows no `DPoP` HTTP scheme (registered with IANA by RFC 9449), so it is added to
    // the serialized document.
    let mut value = serde_json::to_value(&document).expect("the document serializes");
    value["components"]["securitySchemes"][DPOP] = serde_json::json!({
        "type": "http",
        "scheme": "DPoP",
        "description": "A DPoP-bound access token with a fresh proof: `Authorization: DPoP <token>` and `DPoP: <proof>` (docs/dpop.md).",
    });
    value.to_string()
}

fn add_security_schemes(document: &mut Document, token_endpoint: TokenEndpoint<'_>) {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from the configured issuer: `Authorization: Bearer <token>`."))
                .build(),
        ),
    );
    let (token_url, metadata) = match token_endpoint {
        TokenEndpoint::Local(issuer) => (format!("{}/oauth/token", issuer.trim_end_matches('/')), None),
        TokenEndpoint::Configured(authority) => match (authority.token_endpoint(), authority) {
            (Some(url), _) => (url.to_string(), None),
            // Any OpenID provider: its metadata names the token endpoint; the URL below follows
            // the Auth0 convention and the `openIdConnect` scheme beside it names the metadata.
            (None, Authority::OpenId { base }) => {
                (crate::urls::join(base, "oauth/token").to_string(), Some(metadata_url(base).to_string()))
            }
            (None, _) => ("/oauth/token".to_owned(), None),
        },
    };
    let scope = ReadAdminMessages::NAME;
    let scopes = Scopes::from_iter([(scope, "Read the admin message.")]);
    components.add_security_scheme(
        CLIENT_CREDENTIALS,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::ClientCredentials(ClientCredentials::new(token_url, scopes))],
            "OAuth 2.0 client-credentials grant at the configured issuer (docs/hello-client.md).",
        )),
    );
    if let Some(metadata) = metadata {
        components.add_security_scheme("openid", SecurityScheme::OpenIdConnect(OpenIdConnect::new(metadata)));
    }
}

/// An object whose only member `name` is one of `values`.
fn object_of_one(name: &str, values: &[&str], description: &str) -> ObjectBuilder {
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
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let schema: ObjectBuilder = $schema;
                RefOr::T(Schema::Object(schema.build()))
            }
        }

        impl ToSchema for $name {}
    };
}

exact_schema!(
    /// `{"text":"This is a public message."}`
    PublicMessage => object_of_one("text", &[messages::PUBLIC], "The public message.")
);
exact_schema!(
    /// `{"text":"This is a protected message."}`
    ProtectedMessage => object_of_one("text", &[messages::PROTECTED], "The protected message.")
);
exact_schema!(
    /// `{"text":"This is an admin message."}`
    AdminMessage => object_of_one("text", &[messages::ADMIN], "The admin message.")
);
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
    /// 403: a valid token without the permission.
    Forbidden => object_of_one("message", &["Permission denied"], "A valid token without the permission.")
        .property("error", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["insufficient_scope"])))
        .property(
            "error_description",
            ObjectBuilder::new().schema_type(Type::String).enum_values(Some([const_format_requires()])),
        )
        .required("error")
        .required("error_description")
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

/// `Requires read:admin-messages`, the 403's `error_description`.
fn const_format_requires() -> String {
    format!("Requires {}", ReadAdminMessages::NAME)
}

/// Registers `GET /openapi.json`, serving `document` (from [`document`]).
pub fn configure(document: String) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
    let document = actix_web::web::Bytes::from(document);
    move |config| {
        config.service(super::get_only("/openapi.json", move || {
            let document = document.clone();
            async move { actix_web::HttpResponse::Ok().content_type("application/json").body(document) }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(endpoint: TokenEndpoint<'_>) -> serde_json::Value {
        serde_json::from_str(&document(endpoint)).unwrap()
    }

    #[test]
    fn local_mode_names_the_local_issuers_token_endpoint() {
        let document = parsed(TokenEndpoint::Local("http://localhost:6061/"));
        assert_eq!(document["openapi"], "3.1.0");
        let flow = &document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"];
        assert_eq!(flow["tokenUrl"], "http://localhost:6061/oauth/token");
        assert!(flow["scopes"]["read:admin-messages"].is_string());
        let bearer = &document["components"]["securitySchemes"]["bearer"];
        assert_eq!((bearer["type"].as_str(), bearer["scheme"].as_str()), (Some("http"), Some("bearer")));
        assert_eq!(bearer["bearerFormat"], "JWT");
        let dpop = &document["components"]["securitySchemes"]["DPoP"];
        assert_eq!((dpop["type"].as_str(), dpop["scheme"].as_str()), (Some("http"), Some("DPoP")));
        let protected = &document["paths"]["/api/messages/protected"]["get"]["security"];
        assert!(protected.to_string().contains("DPoP"), "{protected}");
    }

    #[test]
    fn auth0_names_the_tenants_token_endpoint() {
        let authority = Authority::Auth0 { base: "https://tenant.eu.auth0.com".parse().unwrap() };
        let document = parsed(TokenEndpoint::Configured(&authority));
        let flow = &document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"];
        assert_eq!(flow["tokenUrl"], "https://tenant.eu.auth0.com/oauth/token");
    }

    #[test]
    fn admin_requires_the_admin_scope_and_lists_every_status() {
        let document = parsed(TokenEndpoint::Local("http://localhost:6061/"));
        let admin = &document["paths"]["/api/messages/admin"]["get"];
        let statuses: Vec<&str> = admin["responses"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(statuses, ["200", "401", "403", "405", "500", "503"]);
        assert!(admin["security"].to_string().contains("read:admin-messages"), "{}", admin["security"]);
        let text = &document["components"]["schemas"]["AdminMessage"]["properties"]["text"]["enum"];
        assert_eq!(text[0], "This is an admin message.");
    }
}

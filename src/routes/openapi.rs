//! `GET /openapi.json`: the OpenAPI 3.1 description of the API, generated from the route table
//! (`table.rs`: each handler's `#[utoipa::path]` attribute and what its extractors demand) and the
//! body types (docs/operations.md, "OpenAPI").
//!
//! The document is built once at start-up, because its `oauth2` security scheme names the
//! configured issuer's token endpoint.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, OpenIdConnect, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{OpenApi, PartialSchema};

use super::schemas::{
    ErrorBody, FORBIDDEN, InternalError, MethodNotAllowed, NotFound, Unauthorized, Unavailable, forbidden,
};
use super::table::{Access, Route, method_name, routes};
use crate::config::Authority;
use crate::urls::metadata_url;

/// The name of the bearer-token security scheme.
pub(crate) const BEARER: &str = "bearer";
/// The name of the DPoP security scheme (RFC 9449, docs/dpop.md).
pub(crate) const DPOP: &str = "DPoP";
/// The name of the client-credentials security scheme.
pub(crate) const CLIENT_CREDENTIALS: &str = "oauth2";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hello World API",
        description = "Public, protected and admin messages behind JWT access tokens (docs/contract.md).",
    ),
    // The paths and the schemas of their bodies come from the route table.
    components(schemas(ErrorBody, Unauthorized, Unavailable, NotFound, MethodNotAllowed, InternalError)),
    tags(
        (name = "messages", description = "The three messages."),
        (name = "health", description = "Probes for load balancers and Kubernetes."),
    )
)]
struct ApiDoc;

/// Where a caller gets a token, for the `oauth2` scheme's `tokenUrl`.
pub(crate) enum TokenEndpoint<'a> {
    /// Local mode: the embedded issuer at this URL (`http://localhost:{port}/`, its name).
    Local(&'a str),
    /// The configured issuer.
    Configured(&'a Authority),
}

/// The document, serialized, for the issuer the server trusts.
pub(crate) fn document(token_endpoint: TokenEndpoint<'_>) -> String {
    let mut document = ApiDoc::openapi();
    let routes = routes();
    add_routes(&mut document, &routes);
    let permissions: Vec<(&str, &str)> = routes
        .iter()
        .filter_map(|route| match route.access {
            Access::Permission { name, description } => Some((name, description)),
            _ => None,
        })
        .collect();
    add_security_schemes(&mut document, token_endpoint, &permissions);
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

/// Each route's path and operation, with what its access implies, and the schemas its bodies use.
fn add_routes(document: &mut Document, routes: &[Route]) {
    let mut schemas = Vec::new();
    for route in routes {
        let operation = described(route);
        document.paths.add_path_operation(&route.path, vec![route.method.clone()], operation);
        route.schemas(&mut schemas);
    }
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
}

/// A JSON answer with the schema named `schema`.
fn answer(description: &str, schema: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build())
}

const WWW_AUTHENTICATE_401: &str = "`Bearer realm=\"api\"` (and `DPoP algs=\"…\"` unless DPoP is off), with `error` and `error_description` for a token that is not valid; `DPoP error=…` for a request with the DPoP scheme, `invalid_dpop_proof` for a refused proof.";

/// The route's operation, with the answers every route of [`super::only`] gives (405, 500) and
/// those its access implies: the token schemes, 401 and 503, and for a permission its scope and 403.
fn described(route: &Route) -> Operation {
    let mut operation = route.operation();
    let method = method_name(&route.method);
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, response: ResponseBuilder| {
        responses.insert(status.to_owned(), response.build().into());
    };
    add("405", answer(&format!("Another method than {method} (with `Allow: {method}`)."), "MethodNotAllowed"));
    add("500", answer("Anything unexpected.", "InternalError"));
    let scope = match route.access {
        Access::Open => return operation,
        Access::Token => None,
        Access::Permission { name, .. } => Some(name),
    };
    let text = || HeaderBuilder::new().schema(String::schema());
    let unauthorized = match scope {
        None => "No token, or a token that is not valid.",
        Some(_) => "No token, or a token that is not valid (checked before the permission).",
    };
    add(
        "401",
        answer(unauthorized, "Unauthorized")
            .header("WWW-Authenticate", text().description(Some(WWW_AUTHENTICATE_401)).build()),
    );
    if let Some(scope) = scope {
        let challenge = format!(r#"`Bearer realm="api", error="insufficient_scope", scope="{scope}"`"#);
        add(
            "403",
            answer(&format!("A valid token without `{scope}`."), FORBIDDEN)
                .header("WWW-Authenticate", text().description(Some(challenge)).build()),
        );
    }
    add(
        "503",
        answer(
            "The signing keys cannot be had and none is cached for the token, or the DPoP replay store is full or unreachable.",
            "Unavailable",
        )
        .header(
            "Retry-After",
            HeaderBuilder::new().schema(u64::schema()).description(Some("Seconds to wait before trying again.")).build(),
        ),
    );
    operation.security = Some(vec![
        SecurityRequirement::new(BEARER, Vec::<String>::new()),
        SecurityRequirement::new(DPOP, Vec::<String>::new()),
        SecurityRequirement::new(CLIENT_CREDENTIALS, scope),
    ]);
    operation
}

fn add_security_schemes(document: &mut Document, token_endpoint: TokenEndpoint<'_>, permissions: &[(&str, &str)]) {
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
    let scopes = Scopes::from_iter(permissions.iter().copied());
    if !permissions.is_empty() {
        components.schemas.insert(FORBIDDEN.to_owned(), forbidden(permissions.iter().map(|(name, _)| *name)));
    }
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

/// Registers `GET /openapi.json`, serving `document` (from [`document`]).
pub(crate) fn configure(document: String) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
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
    fn each_routes_security_and_answers_follow_its_handlers_extractors() {
        let document = parsed(TokenEndpoint::Local("http://localhost:6061/"));
        let statuses = |path: &str| -> Vec<String> {
            document["paths"][path]["get"]["responses"].as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(statuses("/api/messages/public"), ["200", "405", "500"]);
        assert_eq!(statuses("/api/messages/protected"), ["200", "401", "405", "500", "503"]);
        assert_eq!(statuses("/health/ready"), ["200", "405", "500", "503"]);
        let security = |path: &str| document["paths"][path]["get"]["security"].to_string();
        assert_eq!(security("/api/messages/public"), "[{}]");
        assert_eq!(security("/api/messages/protected"), r#"[{"bearer":[]},{"DPoP":[]},{"oauth2":[]}]"#);
        assert_eq!(
            security("/api/messages/admin"),
            r#"[{"bearer":[]},{"DPoP":[]},{"oauth2":["read:admin-messages"]}]"#
        );
        let forbidden = &document["components"]["schemas"]["Forbidden"]["properties"]["error_description"]["enum"];
        assert_eq!(forbidden.to_string(), r#"["Requires read:admin-messages"]"#);
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

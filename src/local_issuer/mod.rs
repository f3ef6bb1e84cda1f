//! The embedded local issuer: a small OpenID provider for local mode, for development only.
//!
//! It publishes discovery metadata and a key set, and issues client-credentials tokens for two
//! demo clients. The API trusts it through the very same discovery + key-set path as any issuer.

mod key;
mod sign_in;

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use aws_lc_rs::{digest, rand};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

pub use key::{KeyFileError, SigningKey, generate_pem};
pub use sign_in::{SPA_CLIENT_ID, SignIn, User, demo_users};

use crate::auth::{Permission, ReadAdminMessages};
use crate::config::{LocalIssuerSettings, defaults};
use crate::routes::{get_only, only};

/// Lifetime of issued tokens, in seconds.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;

/// A client the local issuer knows.
#[derive(Clone, Debug)]
pub struct DemoClient {
    /// `demo-client` or `demo-admin`.
    pub id: &'static str,
    /// Its secret (`LOCAL_CLIENT_SECRET` / `LOCAL_ADMIN_SECRET`).
    pub secret: String,
    /// Permissions put in its tokens.
    pub permissions: Vec<&'static str>,
}

/// The two demo clients, with their configured secrets.
pub fn demo_clients(settings: &LocalIssuerSettings) -> Vec<DemoClient> {
    vec![
        DemoClient { id: defaults::DEMO_CLIENT_ID, secret: settings.client_secret.clone(), permissions: vec![] },
        DemoClient {
            id: defaults::DEMO_ADMIN_ID,
            secret: settings.admin_secret.clone(),
            permissions: vec![ReadAdminMessages::NAME],
        },
    ]
}

/// Everything the issuer's handlers share.
pub struct IssuerState {
    issuer: String,
    audience: String,
    key: SigningKey,
    clients: Vec<DemoClient>,
}

impl IssuerState {
    /// An issuer at `issuer` (e.g. `http://127.0.0.1:6061/`) minting tokens for `audience`.
    pub fn new(issuer: String, audience: String, key: SigningKey, clients: Vec<DemoClient>) -> Self {
        Self { issuer, audience, key, clients }
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// The issuer's HTTP server on already bound listeners (loopback only).
pub fn server(
    listeners: Vec<TcpListener>,
    state: IssuerState,
    client_origin: &str,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(state);
    let sign_in = web::Data::new(SignIn::new(client_origin));
    let origin = client_origin.to_owned();
    let options = crate::middleware::ServerOptions {
        // The issuer exists in local mode only, so it always answers loopback names alone.
        stack: crate::middleware::StackConfig { loopback_only: true, ..Default::default() },
        // The browser demo asks for tokens across origins, so the token endpoint allows its
        // origin, with the `Auth0-Client` header the Auth0 SPA SDK sends.
        cors: Some(std::sync::Arc::new(move || {
            crate::middleware::cors(&origin, &["GET", "POST"])
                .allowed_header(header::HeaderName::from_static("auth0-client"))
        })),
        workers: Some(1),
    };
    crate::middleware::serve(listeners, options, move |app| {
        app.app_data(state.clone())
            .app_data(sign_in.clone())
            .service(get_only("/.well-known/openid-configuration", metadata))
            .service(get_only("/.well-known/jwks.json", jwks))
            .service(only(Method::POST, "/oauth/token", token))
            .service(
                web::resource("/authorize")
                    .route(web::get().to(sign_in::authorize))
                    .route(web::post().to(sign_in::log_in)),
            )
            .service(get_only("/userinfo", sign_in::userinfo))
            .service(get_only("/v2/logout", sign_in::logout));
    })
}

async fn metadata(state: web::Data<IssuerState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": state.issuer,
        "jwks_uri": state.endpoint(".well-known/jwks.json"),
        "token_endpoint": state.endpoint("oauth/token"),
        "authorization_endpoint": state.endpoint("authorize"),
        "userinfo_endpoint": state.endpoint("userinfo"),
        "end_session_endpoint": state.endpoint("v2/logout"),
        "grant_types_supported": ["client_credentials", "authorization_code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "web_message"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", ReadAdminMessages::NAME],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "email", "email_verified", "name", "nickname"],
    }))
}

async fn jwks(state: web::Data<IssuerState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "keys": [state.key.public_jwk()] }))
}

/// A token-endpoint error (RFC 6749 section 5.2), mapped once to status and JSON body.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// 400 `invalid_request`: a malformed or incomplete request.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// 401 `invalid_client`: unknown client, wrong secret, or no client authentication.
    #[error("client authentication failed")]
    InvalidClient,
    /// 400 `unsupported_grant_type`: any grant but client credentials and authorization code.
    #[error("only client_credentials and authorization_code are supported")]
    UnsupportedGrantType,
    /// 400 `invalid_grant`: an authorization code unknown, used, expired or not bound to this request.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// 500 `server_error`: signing failed (a bug: the key loaded fine at start-up).
    #[error("the token could not be signed")]
    Signing,
}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_) | Self::UnsupportedGrantType | Self::InvalidGrant(_) => StatusCode::BAD_REQUEST,
            Self::Signing => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::Signing => "server_error",
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Self::InvalidClient = self {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="local-issuer""#));
        }
        response.json(json!({ "error": error, "error_description": self.to_string() }))
    }
}

/// The request parameters, from a form or a JSON object of strings.
fn parameters(request: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, TokenError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|_| TokenError::InvalidRequest("the form body is malformed"))?;
            let mut parameters = HashMap::new();
            for (name, value) in pairs {
                if parameters.insert(name, value).is_some() {
                    return Err(TokenError::InvalidRequest("a parameter is repeated"));
                }
            }
            Ok(parameters)
        }
        "application/json" => {
            let object: serde_json::Map<String, Value> =
                serde_json::from_slice(body).map_err(|_| TokenError::InvalidRequest("the JSON body is malformed"))?;
            object
                .into_iter()
                .map(|(name, value)| match value {
                    Value::String(value) => Ok((name, value)),
                    _ => Err(TokenError::InvalidRequest("every parameter must be a string")),
                })
                .collect()
        }
        _ => Err(TokenError::InvalidRequest("send application/x-www-form-urlencoded or application/json")),
    }
}

/// Client id and secret from `Authorization: Basic` (RFC 6749 2.3.1: form-encoded, then base64).
fn basic_credentials(request: &HttpRequest) -> Result<Option<(String, String)>, TokenError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || TokenError::InvalidRequest("the Authorization header is malformed");
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(TokenError::InvalidRequest("client authentication must use the Basic scheme"));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |text: &str| {
        percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8().map(|text| text.into_owned())
    };
    Ok(Some((unescape(id).map_err(|_| bad())?, unescape(secret).map_err(|_| bad())?)))
}

/// Compares secrets in time independent of where they differ: both are hashed first, so the
/// comparison sees equal-length digests, and those are compared in constant time.
fn secrets_match(given: &str, expected: &str) -> bool {
    let given = digest::digest(&digest::SHA256, given.as_bytes());
    let expected = digest::digest(&digest::SHA256, expected.as_bytes());
    #[allow(deprecated)]
    aws_lc_rs::constant_time::verify_slices_are_equal(given.as_ref(), expected.as_ref()).is_ok()
}

/// `POST /oauth/token`: the client-credentials grant (RFC 6749 section 4.4).
async fn token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> Result<HttpResponse, TokenError> {
    let mut parameters = parameters(&request, &body)?;
    let basic = basic_credentials(&request)?;
    match parameters.get("grant_type").map(String::as_str) {
        None => return Err(TokenError::InvalidRequest("grant_type is required")),
        Some("client_credentials") => {}
        Some("authorization_code") => return sign_in::exchange_code(&parameters, &state, &sign_in),
        Some(_) => return Err(TokenError::UnsupportedGrantType),
    }
    let (body_id, body_secret) = (parameters.remove("client_id"), parameters.remove("client_secret"));
    let (id, secret) = match (basic, body_id, body_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(TokenError::InvalidRequest("use one client authentication method, not two"));
        }
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => return Err(TokenError::InvalidClient),
    };
    let client = state.clients.iter().find(|client| client.id == id);
    let client = client.filter(|client| secrets_match(&secret, &client.secret)).ok_or(TokenError::InvalidClient)?;
    if parameters.get("audience").is_some_and(|audience| *audience != state.audience) {
        return Err(TokenError::InvalidRequest("unknown audience"));
    }

    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs());
    let scope = client.permissions.join(" ");
    let mut claims = json!({
        "iss": state.issuer,
        "sub": format!("{}@clients", client.id),
        "aud": state.audience,
        "azp": client.id,
        "client_id": client.id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "jti": token_id(),
        "permissions": client.permissions,
        "gty": "client-credentials",
    });
    // RFC 9068: a token without granted scopes leaves `scope` out rather than sending "".
    if !scope.is_empty() {
        claims["scope"] = json!(scope);
    }
    let access_token = state.key.sign_access_token(&claims).map_err(signing_failed)?;
    Ok(token_answer(access_token, None, &scope))
}

/// The token endpoint's answer (RFC 6749 5.1), never cached. Like the token, it names the
/// granted scope only when there is one.
fn token_answer(access_token: String, id_token: Option<String>, scope: &str) -> HttpResponse {
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if let Some(id_token) = id_token {
        body["id_token"] = json!(id_token);
    }
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// A token could not be signed: logged, and answered as a server error.
fn signing_failed(err: jsonwebtoken::errors::Error) -> TokenError {
    log::error!("local issuer could not sign a token: {err}");
    TokenError::Signing
}

/// 128 random bits for `jti`.
fn token_id() -> String {
    let bytes: [u8; 16] = rand::generate(&rand::SystemRandom::new()).map(|random| random.expose()).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::secrets_match;
    use crate::config::defaults;

    /// `secrets_match` goes through `aws_lc_rs::constant_time` on equal-length digests, so its
    /// time does not depend on where two secrets differ; timing is not measured here, only that
    /// the comparison decides correctly whatever the lengths.
    #[test]
    fn secrets_match_only_when_equal_whatever_their_lengths() {
        let expected = defaults::DEMO_ADMIN_SECRET;
        let cases = [
            ("demo-admin-secret", true),
            ("Demo-admin-secret", false),
            ("demo-admin-secreT", false),
            ("demo-admin-secre", false),
            ("demo-admin-secret ", false),
            ("demo-admin-secretdemo-admin-secret", false),
            ("", false),
        ];
        for (given, matches) in cases {
            assert_eq!(secrets_match(given, expected), matches, "{given:?}");
        }
        assert!(secrets_match("", ""));
    }
}

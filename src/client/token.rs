//! The client-credentials grant and a token cache: a token is reused until a minute before it expires.

use std::fmt;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::{Mutex, OnceCell};
use url::Url;

use super::dpop::ProofKey;
use super::provider::{Endpoint, TokenRequest};
use super::{ClientError, MAX_RESPONSE_BYTES};
use crate::urls::check_transport;

/// How long before its expiry a cached token stops being used.
pub(super) const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// An access token and when it stops being reused.
#[derive(Clone)]
pub struct Token {
    access_token: String,
    renew_at: Option<Instant>,
}

impl Token {
    /// The token itself, for an `Authorization: Bearer` header.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    fn reusable(&self) -> bool {
        self.renew_at.is_some_and(|renew_at| Instant::now() < renew_at)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("access_token", &"<hidden>").field("renew_at", &self.renew_at).finish()
    }
}

/// Gets tokens for one [`TokenRequest`] and reuses each until a minute (`RENEW_BEFORE_EXPIRY`) before it expires.
pub struct TokenClient {
    http: reqwest::Client,
    request: TokenRequest,
    endpoint: OnceCell<Url>,
    cached: Mutex<Option<Token>>,
    proof_key: Option<std::sync::Arc<ProofKey>>,
}

impl TokenClient {
    /// A client for `request`, sending through `http` (see [`super::http_client`]).
    pub fn new(http: reqwest::Client, request: TokenRequest) -> Self {
        Self { http, request, endpoint: OnceCell::new(), cached: Mutex::new(None), proof_key: None }
    }

    /// Asks for DPoP-bound tokens: each token request carries a proof made with `key`.
    pub fn with_dpop(mut self, key: std::sync::Arc<ProofKey>) -> Self {
        self.proof_key = Some(key);
        self
    }

    /// A usable token: the cached one, or a new one from the token endpoint.
    pub async fn token(&self) -> Result<Token, ClientError> {
        // Held across the request, so that concurrent callers share one token request.
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|token| token.reusable()) {
            return Ok(token.clone());
        }
        let token = self.request_token().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    async fn request_token(&self) -> Result<Token, ClientError> {
        let endpoint = self.endpoint.get_or_try_init(|| self.find_endpoint()).await?;
        let sent = Instant::now();
        let mut request = self.http.post(endpoint.clone()).header(reqwest::header::ACCEPT, "application/json");
        if let Some(key) = &self.proof_key {
            request = request.header("DPoP", key.proof("POST", endpoint, None).map_err(ClientError::Protocol)?);
        }
        let response = request
            .form(&self.request.form())
            .send()
            .await
            .map_err(|err| ClientError::network(format!("cannot reach the token endpoint {endpoint}"), &err))?;
        let status = response.status();
        let body = read_body(response, &format!("cannot read the answer of {endpoint}")).await?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorResponse>(&body) {
                Ok(refusal) => ClientError::Refused {
                    error: printable(&refusal.error),
                    description: refusal.error_description.as_deref().map(printable),
                },
                Err(_) => ClientError::Protocol(format!(
                    "the token endpoint {endpoint} answered {status} without an OAuth 2.0 error"
                )),
            });
        }
        let issued: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            ClientError::Protocol(format!("the token endpoint {endpoint} answered {status} without an access token"))
        })?;
        let expected = if self.proof_key.is_some() { "DPoP" } else { "Bearer" };
        if issued.access_token.is_empty()
            || issued.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case(expected))
        {
            let kind = if self.proof_key.is_some() { "a DPoP-bound" } else { "a bearer" };
            return Err(ClientError::Protocol(format!("the token endpoint {endpoint} did not issue {kind} token")));
        }
        // Counted from when the request was sent, so the token never outlives what the issuer said.
        let renew_at = issued
            .expires_in
            .and_then(|expires_in| expires_in.seconds())
            .and_then(|seconds| sent.checked_add(Duration::from_secs(seconds)))
            .and_then(|expires_at| expires_at.checked_sub(RENEW_BEFORE_EXPIRY));
        Ok(Token { access_token: issued.access_token, renew_at })
    }

    async fn find_endpoint(&self) -> Result<Url, ClientError> {
        let metadata = match &self.request.endpoint {
            Endpoint::At(url) => return Ok(url.clone()),
            Endpoint::FromMetadata(metadata) => metadata,
        };
        let what = format!("cannot read the OpenID metadata at {metadata}");
        let response =
            self.http.get(metadata.clone()).send().await.map_err(|err| ClientError::network(what.clone(), &err))?;
        let status = response.status();
        let body = read_body(response, &what).await?;
        if !status.is_success() {
            return Err(ClientError::Protocol(format!("{what}: it answered {status}")));
        }
        let document: Metadata = serde_json::from_slice(&body)
            .map_err(|_| ClientError::Protocol(format!("{what}: it holds no token_endpoint")))?;
        let endpoint = Url::parse(&document.token_endpoint)
            .map_err(|_| ClientError::Protocol(format!("{what}: its token_endpoint is not a URL")))?;
        check_transport(&endpoint).map_err(|problem| ClientError::Protocol(format!("token_endpoint {problem}")))?;
        Ok(endpoint)
    }
}

/// The body of `response` (at most [`MAX_RESPONSE_BYTES`]); `what` names it in errors.
pub(crate) async fn read_body(response: reqwest::Response, what: &str) -> Result<Vec<u8>, ClientError> {
    match crate::http::read_body(response, MAX_RESPONSE_BYTES).await {
        Ok(Some(body)) => Ok(body),
        Ok(None) => Err(ClientError::Protocol(format!("{what}: larger than {MAX_RESPONSE_BYTES} bytes"))),
        Err(err) => Err(ClientError::network(what.to_owned(), &err)),
    }
}

/// What an issuer says is shown on a terminal: no control characters, and not too much of it.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(300).collect()
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<ExpiresIn>,
}

/// RFC 6749 says a number; some providers (Entra ID v1) send a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresIn {
    Number(u64),
    Text(String),
}

impl ExpiresIn {
    fn seconds(&self) -> Option<u64> {
        match self {
            Self::Number(seconds) => Some(*seconds),
            Self::Text(text) => text.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    token_endpoint: String,
}

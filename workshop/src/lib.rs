//! What the workshop's checks share (workshop/README.md): the real hello-api started in the
//! check's own runtime on port 0, in local mode with a key file made for the check, tokens from
//! its local issuer, and a key-set server on port 0 that a check controls.
//!
//! Exercises may use everything here too; the README says which parts each one needs.

use actix_web::web;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use hello_api::client::ProofKey;
use hello_api::config::defaults::{DEMO_ADMIN_ID, DEMO_ADMIN_SECRET, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use hello_api::config::{LOCAL_AUDIENCE, Settings};
pub use hello_api::local_issuer::SigningKey;
use hello_api::local_issuer::generate_pem;
use hello_api::startup::{Application, Stopper};
use serde_json::{Map, Value, json};
use testkit::{FakeIssuer, TempDir};

/// The audience the API accepts in local mode, and that the local issuer puts in its tokens.
pub const AUDIENCE: &str = LOCAL_AUDIENCE;

/// The local issuer's demo clients: `(client_id, client_secret)`; `demo-admin` is granted
/// `read:admin-messages`, `demo-client` nothing (docs/local-issuer.md).
pub const DEMO_CLIENT: (&str, &str) = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
/// See [`DEMO_CLIENT`].
pub const DEMO_ADMIN: (&str, &str) = (DEMO_ADMIN_ID, DEMO_ADMIN_SECRET);

pub use testkit::now;

/// A new RS256 signing key, with its `kid` (RFC 7638 thumbprint) and public JWK.
pub fn new_key() -> SigningKey {
    let pem = generate_pem().expect("an RSA key can be generated");
    SigningKey::from_pem(&pem).expect("a generated key loads")
}

/// The claims of a JWT, read without checking anything (for looking, never for trusting).
pub fn claims_of(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("the payload is base64url");
    serde_json::from_slice(&bytes).expect("the payload is a JSON object")
}

/// An answer of the API, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status, e.g. 401.
    pub status: u16,
    /// The JSON body (`Value::Null` when the body is not JSON).
    pub body: Value,
    /// The `WWW-Authenticate` header, when present.
    pub www_authenticate: Option<String>,
}

impl Reply {
    /// The body's `error_description`, when present.
    pub fn error_description(&self) -> Option<&str> {
        self.body.get("error_description").and_then(Value::as_str)
    }
}

/// Sends `GET url`, with `Authorization: Bearer {token}` when a token is given.
pub async fn get(url: &str, token: Option<&str>) -> Reply {
    let headers = token.map(|token| ("Authorization", format!("Bearer {token}")));
    get_with(url, headers.into_iter().collect()).await
}

/// Sends `GET url` with exactly `headers`, e.g. `[("Authorization", "DPoP …"), ("DPoP", proof)]`.
pub async fn get_with(url: &str, headers: Vec<(&str, String)>) -> Reply {
    let request =
        headers.into_iter().fold(reqwest::Client::new().get(url), |request, (name, value)| request.header(name, value));
    let response = request.send().await.expect("the API answers");
    let status = response.status().as_u16();
    let www_authenticate =
        response.headers().get("www-authenticate").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let text = response.text().await.expect("the body can be read");
    Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), www_authenticate }
}

/// The real hello-api, running in this test's runtime until the test ends.
pub struct Api {
    url: String,
    issuer_url: Option<String>,
    key: Option<SigningKey>,
    stopper: Stopper,
    _dir: TempDir,
}

impl Api {
    /// The API in local mode (its own local issuer, both on free ports), with `vars` on top of
    /// the defaults and `routes` registered beside the three messages.
    pub async fn local(vars: &[(&str, &str)], routes: fn(&mut web::ServiceConfig)) -> Self {
        let dir = TempDir::new("workshop");
        let pem = generate_pem().expect("an RSA key can be generated");
        let key_file = dir.join("local-issuer-key.pem");
        std::fs::write(&key_file, &pem).expect("the key file can be written");
        let key_file = key_file.display().to_string();
        let mut all = vec![("LOCAL_ISSUER_PORT", "0"), ("LOCAL_ISSUER_KEY_FILE", key_file.as_str())];
        all.extend_from_slice(vars);
        let mut api = Self::start(&all, routes, dir).await;
        api.key = SigningKey::from_pem(&pem);
        api
    }

    /// The API trusting `issuer` (through `ISSUER_BASE_URL`, audience [`AUDIENCE`]), with
    /// `routes` registered beside the three messages.
    pub async fn trusting(issuer: &KeySetServer, routes: fn(&mut web::ServiceConfig)) -> Self {
        let vars = [("ISSUER_BASE_URL", issuer.url()), ("AUDIENCE", AUDIENCE)];
        Self::start(&vars, routes, TempDir::new("workshop")).await
    }

    async fn start(vars: &[(&str, &str)], routes: fn(&mut web::ServiceConfig), dir: TempDir) -> Self {
        let mut all = vec![("PORT", "0"), ("HOST", "127.0.0.1"), ("SERVE_DEMO", "false")];
        all.extend_from_slice(vars);
        let settings = Settings::from_vars(all).expect("the workshop's settings are valid");
        let app = Application::build_with_routes(settings, routes).await.expect("the API starts");
        let api = Self {
            url: app.api_url().to_owned(),
            issuer_url: app.local_issuer_url().map(str::to_owned),
            key: None,
            stopper: app.stopper(),
            _dir: dir,
        };
        tokio::spawn(app.run_until_stopped());
        api
    }

    /// The full URL of `path` on the API, e.g. `http://127.0.0.1:40123/api/messages/public`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The local issuer's URL, ending in `/` (local mode only).
    pub fn issuer_url(&self) -> &str {
        self.issuer_url.as_deref().expect("the API runs in local mode")
    }

    /// The local issuer's token endpoint (local mode only).
    pub fn token_endpoint(&self) -> String {
        format!("{}oauth/token", self.issuer_url())
    }

    /// `GET path` on the API, with the token when given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        get(&self.url(path), token).await
    }

    /// An access token from the local issuer for `(client_id, client_secret)`, e.g. [`DEMO_ADMIN`].
    pub async fn token(&self, (client_id, client_secret): (&str, &str)) -> String {
        let form = [("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", client_secret)];
        let response = reqwest::Client::new().post(self.token_endpoint()).form(&form).send().await;
        let answer: Value = response.expect("the local issuer answers").json().await.expect("a JSON answer");
        answer["access_token"].as_str().expect("the local issuer issued a token").to_owned()
    }

    /// `claims` signed with the local issuer's own key (local mode only): a token the API trusts
    /// exactly as far as its claims allow, for claims the local issuer would never issue.
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        let key = self.key.as_ref().expect("the API runs in local mode");
        key.sign(&Value::Object(claims.clone())).expect("the claims can be signed")
    }

    /// A `demo-admin` token bound to `key` (`cnf.jkt`, RFC 9449 §6): the client-credentials grant
    /// with a proof from `key` at the local issuer's token endpoint (docs/dpop.md).
    pub async fn dpop_token(&self, key: &ProofKey) -> String {
        let endpoint = reqwest::Url::parse(&self.token_endpoint()).expect("a valid URL");
        let proof = key.proof("POST", &endpoint, None).expect("the key signs a proof");
        let (client_id, client_secret) = DEMO_ADMIN;
        let form = [("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", client_secret)];
        let response = reqwest::Client::new().post(endpoint).header("DPoP", proof).form(&form).send().await;
        let answer: Value = response.expect("the local issuer answers").json().await.expect("a JSON answer");
        assert_eq!(answer["token_type"], "DPoP", "the local issuer binds the token to the key: {answer}");
        answer["access_token"].as_str().expect("the local issuer issued a token").to_owned()
    }

    /// The claims of a fresh `demo-client` token from the local issuer, to change and [`Api::sign`].
    pub async fn demo_claims(&self) -> Map<String, Value> {
        claims_of(&self.token(DEMO_CLIENT).await)
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let stopper = self.stopper.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { stopper.stop().await });
        }
    }
}

/// An OpenID provider on `127.0.0.1:0` whose key set the check (or the learner) controls:
/// discovery metadata and the key set (testkit's fake issuer, which hello-api's own tests use).
pub struct KeySetServer(FakeIssuer);

impl KeySetServer {
    /// Starts the server publishing `keys` (public JWKs, e.g. [`SigningKey::public_jwk`]).
    pub async fn start(keys: Vec<Value>) -> Self {
        Self(FakeIssuer::start(keys).await)
    }

    /// The base URL, e.g. `http://127.0.0.1:40125` (what `ISSUER_BASE_URL` is set to).
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// The issuer name tokens must carry in `iss`: the base URL with a trailing `/`.
    pub fn issuer(&self) -> String {
        self.0.issuer()
    }

    /// Publishes `keys` from now on, replacing the key set.
    pub fn publish(&self, keys: Vec<Value>) {
        self.0.set_keys(keys);
    }

    /// How many times the key set was fetched so far.
    pub fn fetches(&self) -> usize {
        self.0.jwks_fetches()
    }

    /// A token signed by `key` for the API: `iss` this server, `aud` [`AUDIENCE`], valid 5 min.
    pub fn token(&self, key: &SigningKey, sub: &str) -> String {
        let now = now();
        let claims = json!({ "iss": self.issuer(), "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 300 });
        key.sign(&claims).expect("the claims can be signed")
    }
}

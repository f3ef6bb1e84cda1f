//! Real parts for the integration tests: keys generated here, a key-set server on port 0 that
//! the test controls, the real application on port 0, and a logger that keeps every line.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hello_api::config::Settings;
use hello_api::startup::Application;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// The audience every test API accepts.
pub const AUDIENCE: &str = "https://hello-world.example.com";

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

// ---------------------------------------------------------------------------------------------
// Keys and tokens

/// A private key made in the test, with its public JWK.
#[derive(Clone)]
pub struct Signer {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    /// The public JWK without `kid`/`alg` (added by [`Signer::jwk`]).
    public: Value,
    /// RSA only: the public key as PEM, for the algorithm-confusion test.
    pub public_pem: Option<String>,
}

struct RsaMaterial {
    pkcs8: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
    spki: Vec<u8>,
}

/// RSA key generation is the slow part; a few keys serve the whole test binary.
static RSA_KEYS: LazyLock<Vec<RsaMaterial>> = LazyLock::new(|| {
    (0..3)
        .map(|_| {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let public = pair.public_key();
            RsaMaterial {
                pkcs8: pair.as_der().unwrap().as_ref().to_vec(),
                n: public.modulus().big_endian_without_leading_zero().to_vec(),
                e: public.exponent().big_endian_without_leading_zero().to_vec(),
                spki: AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(public).unwrap().as_ref().to_vec(),
            }
        })
        .collect()
});

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

impl Signer {
    /// RSA key number `index` (0..3) under `kid`, signing with `alg` (RS*/PS*).
    pub fn rsa(index: usize, kid: &str, alg: Algorithm) -> Self {
        let material = &RSA_KEYS[index];
        let encoding = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", &material.pkcs8).as_bytes()).unwrap();
        Self {
            kid: kid.into(),
            alg,
            encoding,
            public: json!({ "kty": "RSA", "n": b64(&material.n), "e": b64(&material.e) }),
            public_pem: Some(pem("PUBLIC KEY", &material.spki)),
        }
    }

    /// A fresh P-256 key (ES256).
    pub fn es256(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        Self {
            kid: kid.into(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public: json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) }),
            public_pem: None,
        }
    }

    /// A fresh Ed25519 key (EdDSA).
    pub fn ed25519(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Self {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            public: json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) }),
            public_pem: None,
        }
    }

    /// The public JWK as a key set publishes it: `kid`, `use: sig` and `alg`.
    pub fn jwk(&self) -> Value {
        let mut jwk = self.public.clone();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(format!("{:?}", self.alg));
        jwk
    }

    /// The public JWK with only `kty` and key material, plus `kid`.
    pub fn bare_jwk(&self) -> Value {
        let mut jwk = self.public.clone();
        jwk["kid"] = json!(self.kid);
        jwk
    }

    /// A token with the usual header (`alg`, `typ: JWT`, `kid`).
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": format!("{:?}", self.alg), "typ": "JWT", "kid": self.kid });
        self.sign_raw(&header, claims.to_string().as_bytes())
    }

    /// A token with exactly this header and payload bytes, signed with this key.
    pub fn sign_raw(&self, header: &Value, payload: &[u8]) -> String {
        let message = format!("{}.{}", b64(header.to_string()), b64(payload));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg).unwrap();
        format!("{message}.{signature}")
    }
}

/// Claims that pass every check against `issuer`, granting `permissions`.
pub fn claims(issuer: &str, permissions: &[&str]) -> Value {
    let now = now();
    json!({
        "iss": issuer,
        "sub": "test-user",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "permissions": permissions,
    })
}

/// `claims` with `changes` merged in (a `null` removes the claim).
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

// ---------------------------------------------------------------------------------------------
// A key-set server the test controls

/// How the fake issuer answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Metadata and key set, as an issuer should.
    Normal,
    /// This status with a small body, for every request.
    Status(u16),
    /// 200 with exactly this body, for every request.
    Body(String),
    /// Accept and never answer.
    Hang,
    /// Answer normally, but only after this long (every request).
    Slow(Duration),
    /// The normal answer, one byte at a time with this pause before each byte (headers included).
    Drip(Duration),
    /// The normal document padded with a `padding` member to at least this many bytes. With
    /// `declared`, a `content-length` announces the size; without, the body ends when the
    /// connection closes, so only counting while reading can notice.
    Huge { bytes: usize, declared: bool },
    /// This redirect status with this `location` (absolute, or a path on this server; `{path}`
    /// stands for the path requested), for every request.
    Redirect { status: u16, location: String },
}

struct Shared {
    keys: Mutex<Vec<Value>>,
    behaviour: Mutex<Behaviour>,
    issuer: Mutex<Option<String>>,
    jwks_fetches: AtomicUsize,
    metadata_fetches: AtomicUsize,
    paths: Mutex<Vec<String>>,
    token_answer: Mutex<(u16, String)>,
    token_requests: Mutex<Vec<TokenRequestSeen>>,
}

/// A `POST` to the fake issuer's token endpoint, as it arrived.
#[derive(Clone, Debug)]
pub struct TokenRequestSeen {
    pub path: String,
    pub content_type: String,
    /// The form fields, decoded.
    pub form: HashMap<String, String>,
}

/// An OpenID provider on 127.0.0.1 port 0: metadata at any path ending in
/// `/.well-known/openid-configuration`, the key set at any path ending in `jwks.json`.
pub struct FakeIssuer {
    pub port: u16,
    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub url: String,
    shared: Arc<Shared>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl FakeIssuer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            keys: Mutex::new(keys),
            behaviour: Mutex::new(Behaviour::Normal),
            issuer: Mutex::new(None),
            jwks_fetches: AtomicUsize::new(0),
            metadata_fetches: AtomicUsize::new(0),
            paths: Mutex::new(Vec::new()),
            token_answer: Mutex::new((400, r#"{"error":"unauthorized_client"}"#.to_owned())),
            token_requests: Mutex::new(Vec::new()),
        });
        let accept = tokio::spawn(serve(listener, Arc::clone(&shared), port));
        Self { port, url: format!("http://127.0.0.1:{port}"), shared, accept: Mutex::new(Some(accept)) }
    }

    /// The issuer the metadata names: `{url}/` unless set with [`FakeIssuer::set_issuer`].
    pub fn issuer(&self) -> String {
        self.shared.issuer.lock().unwrap().clone().unwrap_or_else(|| format!("{}/", self.url))
    }

    pub fn set_issuer(&self, issuer: &str) {
        *self.shared.issuer.lock().unwrap() = Some(issuer.to_owned());
    }

    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.shared.keys.lock().unwrap() = keys;
    }

    pub fn behave(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// How many key-set requests arrived.
    pub fn jwks_fetches(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    /// How many metadata requests arrived.
    pub fn metadata_fetches(&self) -> usize {
        self.shared.metadata_fetches.load(Ordering::SeqCst)
    }

    /// Every path requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }

    /// What a `POST` to any path ending in `/token` answers from now on.
    pub fn answer_token_requests(&self, status: u16, body: Value) {
        *self.shared.token_answer.lock().unwrap() = (status, body.to_string());
    }

    /// Every token request so far, in order.
    pub fn token_requests(&self) -> Vec<TokenRequestSeen> {
        self.shared.token_requests.lock().unwrap().clone()
    }

    /// Closes the listener: connections are refused until [`FakeIssuer::come_back`].
    pub fn go_down(&self) {
        if let Some(task) = self.accept.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn come_back(&self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        let mut attempts = 0;
        while let Err(err) = socket.bind(format!("127.0.0.1:{}", self.port).parse().unwrap()) {
            attempts += 1;
            assert!(attempts < 100, "cannot rebind the fake issuer: {err}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let listener = socket.listen(128).unwrap();
        *self.accept.lock().unwrap() = Some(tokio::spawn(serve(listener, Arc::clone(&self.shared), self.port)));
    }
}

impl Drop for FakeIssuer {
    fn drop(&mut self) {
        self.go_down();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, port: u16) {
    let mut connections = Vec::new();
    while let Ok((stream, _)) = listener.accept().await {
        connections.retain(|task: &JoinHandle<()>| !task.is_finished());
        connections.push(tokio::spawn(answer(stream, Arc::clone(&shared), port)));
    }
}

async fn answer(mut stream: TcpStream, shared: Arc<Shared>, port: u16) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    shared.paths.lock().unwrap().push(path.clone());
    let is_metadata = path.ends_with("/.well-known/openid-configuration");
    let is_jwks = path.ends_with("jwks.json");
    if is_metadata {
        shared.metadata_fetches.fetch_add(1, Ordering::SeqCst);
    } else if is_jwks {
        shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    }
    if head.starts_with("POST ") && path.ends_with("/token") {
        let seen = read_token_request(&mut stream, &request, path).await;
        shared.token_requests.lock().unwrap().extend(seen);
        let (status, body) = shared.token_answer.lock().unwrap().clone();
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
    let behaviour = shared.behaviour.lock().unwrap().clone();
    let mut headers = String::from("content-type: application/json\r\n");
    let (status, body) = match &behaviour {
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            return;
        }
        Behaviour::Status(status) => (*status, r#"{"error":"down"}"#.to_owned()),
        Behaviour::Body(body) => (200, body.clone()),
        Behaviour::Redirect { status, location } => {
            headers.push_str(&format!("location: {}\r\n", location.replace("{path}", &path)));
            (*status, String::new())
        }
        Behaviour::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            normal_answer(&shared, &path, port)
        }
        Behaviour::Normal | Behaviour::Drip(_) => normal_answer(&shared, &path, port),
        Behaviour::Huge { bytes, .. } => {
            let (status, body) = normal_answer(&shared, &path, port);
            let mut document: Value = serde_json::from_str(&body).unwrap();
            document["padding"] = json!("x".repeat(*bytes));
            (status, document.to_string())
        }
    };
    if !matches!(behaviour, Behaviour::Huge { declared: false, .. }) {
        headers.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    let response = format!("HTTP/1.1 {status} X\r\n{headers}connection: close\r\n\r\n{body}");
    if let Behaviour::Drip(pause) = behaviour {
        for byte in response.as_bytes() {
            tokio::time::sleep(pause).await;
            if stream.write_all(&[*byte]).await.is_err() {
                return;
            }
        }
    } else {
        // A client that stops reading a huge answer makes this fail, which ends the connection.
        let _ = stream.write_all(response.as_bytes()).await;
    }
    let _ = stream.shutdown().await;
}

/// Reads the body of a token request whose head (and maybe part of the body) is in `request`.
async fn read_token_request(stream: &mut TcpStream, request: &[u8], path: String) -> Option<TokenRequestSeen> {
    let head_end = request.windows(4).position(|window| window == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines().find_map(|line| line.strip_prefix(name).map(|value| value.trim().to_owned())).unwrap_or_default()
    };
    let length: usize = header("content-length:").parse().ok()?;
    let mut body = request[head_end..].to_vec();
    while body.len() < length {
        let mut buffer = [0u8; 1024];
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => body.extend_from_slice(&buffer[..read]),
        }
    }
    let form = serde_urlencoded::from_bytes(&body).ok()?;
    Some(TokenRequestSeen { path, content_type: header("content-type:"), form })
}

/// What an issuer that works answers at `path`: its metadata, its key set, or a 404.
fn normal_answer(shared: &Shared, path: &str, port: u16) -> (u16, String) {
    if path.ends_with("/.well-known/openid-configuration") {
        let issuer = shared.issuer.lock().unwrap().clone().unwrap_or_else(|| format!("http://127.0.0.1:{port}/"));
        let base = path.trim_end_matches("/.well-known/openid-configuration");
        let metadata = json!({
            "issuer": issuer,
            "jwks_uri": format!("http://127.0.0.1:{port}{base}/discovery/jwks.json"),
            "token_endpoint": format!("http://127.0.0.1:{port}{base}/oauth/token"),
        });
        (200, metadata.to_string())
    } else if path.ends_with("jwks.json") {
        (200, json!({ "keys": *shared.keys.lock().unwrap() }).to_string())
    } else {
        (404, r#"{"error":"not found"}"#.to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// The application

/// The real application, started in this test's runtime on port 0.
pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub local_issuer_url: Option<String>,
    pub demo_origin: Option<String>,
}

impl TestApp {
    /// Starts the API with `vars` on top of port 0 and no demo.
    pub async fn spawn(vars: &[(&str, &str)]) -> Self {
        install_logger();
        let mut all: HashMap<String, String> =
            [("PORT", "0"), ("HOST", "127.0.0.1"), ("SERVE_DEMO", "false"), ("JWKS_RETRY_SECONDS", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let settings = Settings::from_vars(all).expect("test settings are valid");
        let app = Application::build(settings).await.expect("the application starts");
        let test_app = Self {
            url: app.api_url().to_owned(),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            local_issuer_url: app.local_issuer_url().map(str::to_owned),
            demo_origin: app.demo_origin().map(str::to_owned),
        };
        tokio::spawn(app.run_until_stopped());
        test_app
    }

    /// The API trusting `issuer` through discovery (`ISSUER_BASE_URL`), with `vars` on top.
    pub async fn trusting(issuer: &FakeIssuer, vars: &[(&str, &str)]) -> Self {
        let mut all = vec![("ISSUER_BASE_URL", issuer.url.as_str()), ("AUDIENCE", AUDIENCE)];
        all.extend_from_slice(vars);
        Self::spawn(&all).await
    }

    /// The API in local mode, with its own issuer on a free port and a key file shared by the tests.
    pub async fn local(vars: &[(&str, &str)]) -> Self {
        let key_file = shared_key_file();
        let mut all = vec![("LOCAL_ISSUER_PORT", "0"), ("LOCAL_ISSUER_KEY_FILE", key_file.as_str())];
        all.extend_from_slice(vars);
        Self::spawn(&all).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        request.send().await.expect("the API answers")
    }

    /// Sends `Authorization: {value}` exactly.
    pub async fn get_with_authorization(&self, path: &str, value: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header("Authorization", value)
            .send()
            .await
            .expect("the API answers")
    }

    /// GETs until the status is `expected` (the key set loads in the background), at most ~15 s.
    pub async fn wait_for_status(&self, path: &str, token: &str, expected: u16) -> reqwest::Response {
        for _ in 0..150 {
            let response = self.get(path, Some(token)).await;
            if response.status().as_u16() == expected {
                return response;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} never answered {expected}");
    }
}

/// One key file for every local-mode test, so that the key is generated once per run.
pub fn shared_key_file() -> String {
    let dir = std::env::temp_dir().join(format!("hello-api-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("local-issuer-key.pem").display().to_string()
}

/// Asserts the contract's 401 (docs/contract.md, "Errors") `invalid_token` answer and returns its `error_description`.
pub async fn assert_invalid_token(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert_eq!(body["error"], "invalid_token");
    let description = body["error_description"].as_str().unwrap().to_owned();
    assert_eq!(challenge, format!(r#"Bearer realm="api", error="invalid_token", error_description="{description}""#));
    description
}

/// Asserts the contract's 503 (docs/contract.md, "Errors") answer: no key can serve the token right now.
pub async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(response.status(), 503);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert!(response.headers().get("www-authenticate").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "message": "Unable to verify credentials" }));
}

// ---------------------------------------------------------------------------------------------
// Logs

/// Every log line of the test binary (all levels), to prove what is never logged.
pub static LOG_LINES: LazyLock<Mutex<Vec<String>>> = LazyLock::new(|| Mutex::new(Vec::new()));

struct CapturingLogger;

impl log::Log for CapturingLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let mut lines = LOG_LINES.lock().unwrap();
        if lines.len() < 1_000_000 {
            lines.push(format!("{} {} {}", record.level(), record.target(), record.args()));
        }
    }

    fn flush(&self) {}
}

pub fn install_logger() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&CapturingLogger).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

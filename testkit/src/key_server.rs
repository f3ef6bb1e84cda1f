//! An OpenID provider on 127.0.0.1 port 0 that the caller controls: metadata, key set and a
//! recording token endpoint, and every way of failing (docs/testing.md). One source for the
//! integration tests, the soak (`examples/soak.rs`), the benches (`benches/validate.rs`) and the
//! workshop's `KeySetServer`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

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
    token_minter: Mutex<Option<Arc<Minter>>>,
}

/// Answers a token request from what it carried (tests/api/dpop_client.rs binds tokens to its proof).
type Minter = dyn Fn(&TokenRequestSeen) -> (u16, Value) + Send + Sync;

/// A `POST` to the fake issuer's token endpoint, as it arrived.
#[derive(Clone, Debug)]
pub struct TokenRequestSeen {
    pub path: String,
    pub content_type: String,
    /// The form fields, decoded.
    pub form: HashMap<String, String>,
    /// The `DPoP` header, as sent.
    pub dpop: Option<String>,
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
            token_minter: Mutex::new(None),
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

    /// Token requests are answered by `minter` from now on (instead of the fixed answer).
    pub fn mint_token_requests_with(&self, minter: impl Fn(&TokenRequestSeen) -> (u16, Value) + Send + Sync + 'static) {
        *self.shared.token_minter.lock().unwrap() = Some(Arc::new(minter));
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
        let minter = shared.token_minter.lock().unwrap().clone();
        let (status, body) = match (&seen, minter) {
            (Some(seen), Some(minter)) => {
                let (status, body) = minter(seen);
                (status, body.to_string())
            }
            _ => shared.token_answer.lock().unwrap().clone(),
        };
        shared.token_requests.lock().unwrap().extend(seen);
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
    let original = String::from_utf8_lossy(&request[..head_end]);
    let dpop = original.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim().eq_ignore_ascii_case("dpop").then(|| value.trim().to_owned())
    });
    let head = original.to_ascii_lowercase();
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
    Some(TokenRequestSeen { path, content_type: header("content-type:"), form, dpop })
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

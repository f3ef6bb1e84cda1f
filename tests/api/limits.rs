//! Limits against greedy or slow clients (`startup::limits`, `MAX_TOKEN_BYTES`): what is too big
//! is refused with a 4xx before any work, and what is too slow or idle is disconnected.

use std::time::Duration;

use hello_api::auth::MAX_TOKEN_BYTES;
use hello_api::startup::limits;
use jsonwebtoken::Algorithm;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{FakeIssuer, Signer, TestApp, assert_invalid_token, b64, claims};

const PROTECTED: &str = "/api/messages/protected";
const PUBLIC_BODY: &str = r#"{"text":"This is a public message."}"#;

/// An API trusting one RSA key, already loaded, with a long cooldown so that fetches can be counted.
async fn api() -> (FakeIssuer, TestApp) {
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(PROTECTED, &signer.sign(&claims(&issuer.issuer(), &[])), 200).await;
    (issuer, app)
}

/// A well-formed token naming an unknown `kid`, exactly `length` bytes long.
fn token_of_length(length: usize, issuer: &str) -> String {
    let header = b64(json!({ "alg": "RS256", "typ": "JWT", "kid": "unknown" }).to_string());
    let prefix = format!("{header}.{}.", b64(claims(issuer, &[]).to_string()));
    format!("{prefix}{}", "A".repeat(length - prefix.len()))
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://")).await.unwrap()
}

/// Reads until the peer closes the connection (or resets it); returns what arrived before.
async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received).await;
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `GET /api/messages/public` and reads the answer, leaving the connection open.
async fn get_public(stream: &mut TcpStream) {
    stream.write_all(b"GET /api/messages/public HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&received).ends_with(PUBLIC_BODY) {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the connection closed before the answer was complete");
        received.extend_from_slice(&buffer[..read]);
    }
    assert!(received.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&received));
}

#[tokio::test]
async fn a_token_over_the_size_limit_is_refused_before_parsing_and_without_a_key_fetch() {
    let (issuer, app) = api().await;
    let fetches = || issuer.jwks_fetches() + issuer.metadata_fetches();
    let before = fetches();

    let oversized = token_of_length(MAX_TOKEN_BYTES + 1, &issuer.issuer());
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&oversized)).await).await, "token is too large");
    assert_eq!(fetches(), before, "an oversized token never reaches the key set");

    // The same token at the limit is parsed, and its unknown kid costs a fetch.
    let at_limit = token_of_length(MAX_TOKEN_BYTES, &issuer.issuer());
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&at_limit)).await).await, "key id is unknown");
    assert_eq!(fetches(), before + 1);
}

#[tokio::test]
async fn a_request_head_over_the_http_limits_is_a_4xx_and_the_server_keeps_serving() {
    let (_issuer, app) = api().await;
    // actix-web refuses a head over 128 KiB or with more than 96 headers.
    let many_headers: String = (0..200).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let cases = [
        ("one 256 KiB header", format!("X-Big: {}\r\n", "a".repeat(256 * 1024))),
        ("a 256 KiB Authorization header", format!("Authorization: Bearer {}\r\n", "a".repeat(256 * 1024))),
        ("200 headers", many_headers),
    ];
    for (name, headers) in cases {
        let mut stream = connect(&app).await;
        let request = format!("GET {PROTECTED} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n");
        // The server may answer and close before it has read everything; that is its right.
        let _ = stream.write_all(request.as_bytes()).await;
        let answer = tokio::time::timeout(Duration::from_secs(10), read_until_closed(&mut stream))
            .await
            .unwrap_or_else(|_| panic!("{name}: the connection stayed open"));
        // A reset may overtake the answer; whatever did arrive is a 4xx.
        let status = answer.split_whitespace().nth(1).unwrap_or("4xx");
        assert!(status.starts_with('4'), "{name}: answered {:?}", &answer[..answer.len().min(80)]);
    }
    assert_eq!(app.get("/api/messages/public", None).await.status(), 200);
}

#[tokio::test]
async fn a_client_sending_its_request_head_slower_than_the_head_timeout_is_disconnected() {
    let (_issuer, app) = api().await;
    let mut stream = connect(&app).await;
    let (mut reader, mut writer) = stream.split();
    let head = b"GET /api/messages/public HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: a-very-slow-client\r\n\r\n";
    let pause = Duration::from_millis(250);
    let guard = Duration::from_secs(15);
    assert!(pause * head.len() as u32 > guard, "the head is never complete within the guard");
    assert!(limits::REQUEST_HEAD_TIMEOUT < guard);

    let drip = async {
        for byte in head {
            tokio::time::sleep(pause).await;
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let closed = read_until_closed(&mut reader);
    let answer = tokio::time::timeout(guard, async {
        tokio::select! {
            answer = closed => answer,
            () = drip => unreachable!(),
        }
    })
    .await
    .expect("the server closed the slow connection");
    // Whatever came before the close is a timeout answer, never the message.
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let (_issuer, app) = api().await;
    let mut stream = connect(&app).await;
    get_public(&mut stream).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    get_public(&mut stream).await; // still open: keep-alive works

    let guard = limits::KEEP_ALIVE + Duration::from_secs(5);
    let after = tokio::time::timeout(guard, read_until_closed(&mut stream))
        .await
        .expect("the idle connection was closed within the keep-alive timeout");
    assert_eq!(after, "", "nothing is sent on an idle connection before it is closed");
}

/// Sends the head of a `POST {path}` announcing a 1000-byte form body, then one byte of it every
/// second, and returns what the server sent before it closed the connection; `None` when the
/// connection was still open after `guard` (the drip alone would take over 16 minutes).
async fn trickle_body(base_url: &str, path: &str, guard: Duration) -> Option<String> {
    let address = base_url.trim_start_matches("http://").trim_end_matches('/').replace("localhost", "127.0.0.1");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let drip = async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b"a").await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let closed = read_until_closed(&mut reader);
    tokio::time::timeout(guard, async {
        tokio::select! {
            answer = closed => answer,
            () = drip => unreachable!(),
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn a_client_trickling_a_body_to_the_token_endpoint_or_the_demo_is_cut_off() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    let demo = app.demo_origin.clone().unwrap();
    // Generous: the body timeout plus time for a loaded machine, far below the drip's length.
    let guard = limits::REQUEST_BODY_TIMEOUT + Duration::from_secs(20);
    for (what, base, path) in [
        ("the issuer's token endpoint", issuer.as_str(), "/oauth/token"),
        ("the demo", demo.as_str(), "/"),
        ("the API", app.url.as_str(), "/api/messages/public"),
    ] {
        let answer = trickle_body(base, path, guard).await.unwrap_or_else(|| panic!("{what}: still open"));
        // Whatever came before the close is an error answer, never a success.
        let status = answer.split_whitespace().nth(1).unwrap_or("4xx");
        assert!(status.starts_with('4'), "{what}: {answer}");
    }
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused_by_the_token_endpoint() {
    let app = TestApp::local(&[]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    let body = format!("grant_type=client_credentials&padding={}", "a".repeat(limits::MAX_BODY_BYTES));
    let response = app
        .http
        .post(format!("{issuer}oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["content-type"], "application/json");
}

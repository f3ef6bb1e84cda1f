//! Attacks from outside that the server must turn away: DNS rebinding in local mode
//! (docs/local-issuer.md, "Loopback only") and request heads actix refuses while parsing
//! (docs/contract.md, "Errors").

use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cors_and_headers::SECURITY_HEADERS;
use crate::helpers::{FakeIssuer, Signer, TempDir, TestApp, claims};

const REBOUND: &str = "rebind.attacker.example";

/// The local demo clients' secret for the admin client, as documented.
const ADMIN: (&str, &str) = ("demo-admin", "demo-admin-secret");

async fn assert_misdirected(response: reqwest::Response, what: &str) {
    assert_eq!(response.status().as_u16(), 421, "{what}");
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(response.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{what}: {name}");
    }
    assert!(response.headers().get("access-control-allow-origin").is_none(), "{what}");
    let body = response.text().await.unwrap();
    assert_eq!(body, r#"{"message":"Misdirected Request"}"#, "{what}");
}

async fn admin_token(app: &TestApp, host: &str) -> reqwest::Response {
    let issuer = app.local_issuer_url.as_deref().unwrap();
    app.http
        .post(format!("{issuer}oauth/token"))
        .header("host", host)
        .form(&[("grant_type", "client_credentials"), ("client_id", ADMIN.0), ("client_secret", ADMIN.1)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn in_local_mode_every_listener_answers_a_foreign_host_with_421_and_nothing_else() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let demo = app.demo_origin.clone().unwrap();

    // A loopback Host still gets the admin token, so the attack below would read the admin message.
    let response = admin_token(&app, "127.0.0.1").await;
    assert_eq!(response.status(), 200);
    let token = response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();

    for host in [REBOUND, "rebind.attacker.example:80", "localhost.attacker.example", "127.0.0.1.nip.io", "10.0.0.1"] {
        let config = app.http.get(format!("{demo}/config.json")).header("host", host).send().await.unwrap();
        assert_misdirected(config, &format!("demo /config.json with Host {host}")).await;
        assert_misdirected(admin_token(&app, host).await, &format!("issuer /oauth/token with Host {host}")).await;
        let admin = app
            .http
            .get(format!("{}/api/messages/admin", app.url))
            .header("host", host)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_misdirected(admin, &format!("API admin route with Host {host}")).await;
    }

    // Loopback names, any port, localhost in any case.
    for host in ["localhost", "LocalHost:6060", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8080"] {
        let admin = app
            .http
            .get(format!("{}/api/messages/admin", app.url))
            .header("host", host)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(admin.status(), 200, "Host {host}");
        let config = app.http.get(format!("{demo}/config.json")).header("host", host).send().await.unwrap();
        assert_eq!(config.status(), 200, "Host {host}");
        assert_eq!(admin_token(&app, host).await.status(), 200, "Host {host}");
    }
}

/// The head of a request, sent raw, and everything the server answers until it closes.
async fn raw(url: &str, head: &[u8]) -> String {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
    stream.write_all(head).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn in_local_mode_a_missing_host_or_an_absolute_uri_to_another_host_gets_421() {
    let app = TestApp::local(&[]).await;
    // HTTP/1.1 requires a Host; actix refuses a request without one while parsing.
    let missing = raw(&app.url, b"GET /api/messages/public HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert!(missing.starts_with("HTTP/1.1 400"), "{missing}");
    // HTTP/1.0 may omit it: no name, no answer.
    let missing = raw(&app.url, b"GET /api/messages/public HTTP/1.0\r\n\r\n").await;
    assert!(missing.starts_with("HTTP/1.0 421"), "{missing}");
    assert!(missing.ends_with(r#"{"message":"Misdirected Request"}"#), "{missing}");
    let absolute =
        raw(&app.url, b"GET http://rebind.attacker.example/api/messages/public HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await;
    assert!(absolute.starts_with("HTTP/1.1 421"), "{absolute}");
    let fine =
        raw(&app.url, b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");
}

#[tokio::test]
async fn with_an_issuer_configured_any_host_is_served() {
    let signer = Signer::rsa(0, "key-1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://127.0.0.1:0")]).await;
    let token = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    let admin = app
        .http
        .get(format!("{}/api/messages/admin", app.url))
        .header("host", REBOUND)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200);
    let demo = app.demo_origin.clone().unwrap();
    let config = app.http.get(format!("{demo}/config.json")).header("host", REBOUND).send().await.unwrap();
    assert_eq!(config.status(), 200);
}

/// Request heads actix refuses while parsing, before any middleware sees them.
const MALFORMED_HEADS: [(&str, &[u8]); 5] = [
    ("conflicting Content-Length", b"POST /api/messages/public HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
    ("NUL in a header", b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\nX-Evil: a\0b\r\n\r\n"),
    ("CR in a header", b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\nX-Evil: a\rb\r\n\r\n"),
    ("a header without a colon", b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\nX-Evil\r\n\r\n"),
    ("Transfer-Encoding with Content-Length", b"POST /api/messages/public HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"),
];

#[tokio::test]
async fn malformed_request_heads_get_a_4xx_and_no_error_line_at_the_default_log_level() {
    let dir = TempDir::new("malformed");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hello-api"))
        .env_clear()
        .current_dir(&dir)
        .envs([("PORT", "0"), ("LOCAL_ISSUER_PORT", "0"), ("SERVE_DEMO", "false")])
        .envs([("LOCAL_ISSUER_KEY_FILE", dir.join("key.pem").to_str().unwrap())])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        use tokio::io::AsyncBufReadExt;
        loop {
            let mut line = String::new();
            assert_ne!(stderr.read_line(&mut line).await.unwrap(), 0, "the server exited: {log}");
            log.push_str(&line);
            if let Some((_, url)) = line.split_once("hello-api listening on ") {
                return url.trim().to_owned();
            }
        }
    })
    .await
    .expect("the server starts");

    let too_many = {
        let mut head = b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\n".to_vec();
        for i in 0..200 {
            head.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        head
    };
    let heads =
        MALFORMED_HEADS.iter().map(|(what, head)| (*what, head.to_vec())).chain([("too many headers", too_many)]);
    for (what, head) in heads {
        let answer = raw(&url, &head).await;
        let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(status == 400 || status == 431, "{what}: {answer}");
    }
    // The server still serves.
    let fine = raw(&url, b"GET /api/messages/public HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");

    child.start_kill().unwrap();
    stderr.read_to_string(&mut log).await.unwrap();
    assert!(!log.contains(" ERROR "), "a client's malformed request is not an error of the server:\n{log}");
    assert!(log.contains("hello-api listening on"), "the log was captured at the default level: {log}");
}

//! docs/dpop.md, "Replicas: one Redis for the replay store": two real `hello-api` processes behind one `PUBLIC_URL`, sharing a real
//! `redis-server` (the Debian package, started here on a free port) as their replay store. It
//! fails, never skips, when `redis-server` is missing.

use std::process::Stdio;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::dpop::{DpopKey, proof_claims};
use crate::helpers::{AUDIENCE, FakeIssuer, Signer, claims, eventually, with};

const PUBLIC_URL: &str = "https://api.example.com";
const PROTECTED: &str = "/api/messages/protected";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `redis-server` on `port`, without persistence.
fn start_redis(port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server is installed (Debian package redis-server; .ci/run installs it)")
}

/// Whether Redis at `port` answers `PING`.
async fn redis_answers(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return false };
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").await.is_ok()
        && stream.read_exact(&mut answer).await.is_ok()
        && &answer == b"+PONG\r\n"
}

/// A `hello-api` process trusting `issuer` with the shared replay store; its URL.
async fn start_api(issuer: &FakeIssuer, redis_port: u16) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hello-api"))
        .env_clear()
        .envs([
            ("PORT", "0"),
            ("HOST", "127.0.0.1"),
            ("ISSUER_BASE_URL", issuer.url.as_str()),
            ("AUDIENCE", AUDIENCE),
            ("SERVE_DEMO", "false"),
            ("JWKS_RETRY_SECONDS", "1"),
            ("PUBLIC_URL", PUBLIC_URL),
            ("RUST_LOG", "info"),
        ])
        .env("DPOP_REPLAY_STORE", format!("redis://127.0.0.1:{redis_port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if let Some((_, url)) = line.split_once("listening on ") {
                return url.trim().to_owned();
            }
        }
        panic!("hello-api stopped before listening");
    })
    .await
    .expect("hello-api says where it listens");
    // Keep reading, so that the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
    (child, url)
}

async fn call(http: &reqwest::Client, api: &str, token: &str, proof: &str) -> reqwest::Response {
    http.get(format!("{api}{PROTECTED}"))
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof)
        .send()
        .await
        .unwrap()
}

async fn ready_status(http: &reqwest::Client, api: &str) -> u16 {
    http.get(format!("{api}/health/ready")).send().await.map_or(0, |response| response.status().as_u16())
}

#[tokio::test]
async fn two_replicas_share_one_redis_a_replayed_proof_is_refused_and_an_outage_is_a_503_then_recovers() {
    let redis_port = free_port();
    let mut redis = start_redis(redis_port);
    eventually("redis-server answers PING", || async { redis_answers(redis_port).await.then_some(()) }).await;

    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let (_a, api_a) = start_api(&issuer, redis_port).await;
    let (_b, api_b) = start_api(&issuer, redis_port).await;
    let http = reqwest::Client::new();
    for api in [&api_a, &api_b] {
        eventually("the replica is ready", || async { (ready_status(&http, api).await == 200).then_some(()) }).await;
    }

    let key = DpopKey::es256();
    let token = signer.sign(&with(claims(&issuer.issuer(), &[]), json!({ "cnf": { "jkt": key.jkt() } })));
    let fresh = || key.proof(&proof_claims("GET", &format!("{PUBLIC_URL}{PROTECTED}"), Some(&token)));

    let proof = fresh();
    assert_eq!(call(&http, &api_a, &token, &proof).await.status(), 200, "first use, at replica A");
    let replayed = call(&http, &api_b, &token, &proof).await;
    assert_eq!(replayed.status(), 401, "the same proof at replica B");
    let body: Value = replayed.json().await.unwrap();
    assert_eq!(body["error_description"], "proof was already used");

    redis.kill().await.unwrap();
    let response = call(&http, &api_a, &token, &fresh()).await;
    assert_eq!(response.status(), 503, "Redis down");
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "message": "Unable to verify credentials" }));
    let ready = http.get(format!("{api_a}/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<Value>().await.unwrap()["reason"], "replay store unreachable");

    let _redis = start_redis(redis_port);
    eventually("replica A accepts a fresh proof again", || async {
        (call(&http, &api_a, &token, &fresh()).await.status() == 200).then_some(())
    })
    .await;
    for api in [&api_a, &api_b] {
        eventually("the replica is ready again", || async { (ready_status(&http, api).await == 200).then_some(()) })
            .await;
    }
}

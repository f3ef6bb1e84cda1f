//! A standard provider end to end: panva's `oidc-provider` from npm (a certified OpenID Provider)
//! on loopback issues a JWT access token (`typ: at+jwt`) for the API's resource (RFC 8707) with
//! the `read:admin-messages` scope to the real `hello-client`, and the real server accepts it,
//! also after the provider rotates its signing key (docs/testing.md; docs/hello-client.md, "Any
//! other OpenID provider"). Needs node and `make test-deps`; it fails, never skips, without them.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::helpers::{AUDIENCE, TestApp};

const CLIENT_ID: &str = "interop-caller";
const CLIENT_SECRET: &str = "interop-caller-secret";

struct Provider {
    url: String,
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Provider {
    async fn start() -> (Self, String) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let deps = root.join("target/test-deps");
        assert!(
            deps.join("node_modules/oidc-provider/package.json").is_file(),
            "oidc-provider is not installed in {}: run `make test-deps`",
            deps.display()
        );
        // A free port, given back for the provider to listen on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("node")
            .arg(root.join("tests/interop/oidc-provider.mjs"))
            .env("PORT", port.to_string())
            .env("RESOURCE", AUDIENCE)
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("DEPS", &deps)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run node ({err}): run `make test-deps`"));
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut provider = Self { url: format!("http://127.0.0.1:{port}"), child, stdout };
        let kid = provider.expect("listening").await;
        (provider, kid)
    }

    /// The next line the script prints must start with `word`; returns the rest (a `kid`).
    async fn expect(&mut self, word: &str) -> String {
        let line = tokio::time::timeout(Duration::from_secs(60), self.stdout.next_line())
            .await
            .unwrap_or_else(|_| panic!("oidc-provider did not print {word:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("oidc-provider exited before printing {word:?}: run `make test-deps`"));
        line.strip_prefix(&format!("{word} ")).unwrap_or_else(|| panic!("expected {word:?}, got {line:?}")).to_owned()
    }

    async fn rotate(&mut self) -> String {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(b"rotate\n").await.unwrap();
        stdin.flush().await.unwrap();
        self.expect("rotated").await
    }
}

async fn hello_client(provider: &Provider, api: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hello-client"))
        .env_clear()
        .envs([
            ("ISSUER_BASE_URL", provider.url.as_str()),
            ("API_SERVER_URL", api),
            ("CLIENT_ID", CLIENT_ID),
            ("CLIENT_SECRET", CLIENT_SECRET),
        ])
        .args(["--resource", AUDIENCE, "--scope", "read:admin-messages"])
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

fn header(token: &str) -> Value {
    let encoded = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap()
}

/// Gets a token with `hello-client token`, checks its header, and reads the admin message with
/// `hello-client call`.
async fn read_the_admin_message(provider: &Provider, app: &TestApp, kid: &str) {
    let output = hello_client(provider, &app.url, &["token"]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let header = header(&token);
    assert_eq!(header["typ"], "at+jwt", "{header}");
    assert_eq!(header["kid"], kid, "{header}");
    let admin = app.get("/api/messages/admin", Some(&token)).await;
    assert_eq!(admin.status(), 200, "{}", admin.text().await.unwrap());

    let output = hello_client(provider, &app.url, &["call", "/api/messages/admin"]).await;
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("This is an admin message."), "{stdout}");
}

#[tokio::test]
async fn oidc_provider_tokens_for_the_resource_read_the_admin_message_and_a_rotated_key_is_picked_up() {
    let (mut provider, first_kid) = Provider::start().await;
    let app = TestApp::spawn(&[
        ("ISSUER_BASE_URL", provider.url.as_str()),
        ("AUDIENCE", AUDIENCE),
        ("PERMISSIONS_CLAIM", "scope"),
        ("JWKS_COOLDOWN_SECONDS", "0"),
    ])
    .await;

    read_the_admin_message(&provider, &app, &first_kid).await;

    let second_kid = provider.rotate().await;
    assert_ne!(first_kid, second_kid);
    // The server has not seen this kid: it refreshes its key set, without a restart.
    read_the_admin_message(&provider, &app, &second_kid).await;
}

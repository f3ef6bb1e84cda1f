//! `hello-client` as a user runs it: the real binary, a recording token endpoint on loopback, and
//! the real server trusting the same provider.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Output, Stdio};

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{AUDIENCE, FakeIssuer, Signer, TempDir, TestApp, TokenRequestSeen, claims, with};

const ADMIN: &str = "/api/messages/admin";
const PROTECTED: &str = "/api/messages/protected";
const SECRET: &str = "caller-s3cret-value";

/// Runs `hello-client` with only `vars` in its environment, in an empty folder (no `.env`).
async fn hello_client(vars: &[(&str, &str)], args: &[&str]) -> Output {
    hello_client_in(&empty_dir(), vars, args).await
}

async fn hello_client_in(dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hello-client"))
        .env_clear()
        .envs(vars.iter().copied())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .expect("hello-client runs")
}

fn empty_dir() -> TempDir {
    TempDir::new("hello-client")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn issued(token: String, expires_in: u64) -> Value {
    json!({ "access_token": token, "token_type": "Bearer", "expires_in": expires_in })
}

/// Runs `call` for the admin and protected messages as `caller` against the API trusting
/// `provider`, asserts both were read with one token, and returns that token's request.
async fn read_both_messages_as_caller(provider: &FakeIssuer, provider_vars: &[(&str, &str)]) -> TokenRequestSeen {
    let app = TestApp::spawn(provider_vars).await;
    let mut vars = provider_vars.to_vec();
    vars.extend([("API_SERVER_URL", app.url.as_str()), ("CLIENT_ID", "caller"), ("CLIENT_SECRET", SECRET)]);

    let output = hello_client(&vars, &["call", ADMIN, PROTECTED]).await;

    assert_read_admin_and_protected(&output);
    let mut requests = provider.token_requests();
    assert_eq!(requests.len(), 1, "one token serves both calls");
    requests.remove(0)
}

/// The form the caller sends, with the provider's own extra field.
fn caller_form(extra: (&str, &str)) -> HashMap<String, String> {
    form(&[("grant_type", "client_credentials"), ("client_id", "caller"), ("client_secret", SECRET), extra])
}

/// Asserts a run succeeded and printed both messages, without the secret anywhere.
fn assert_read_admin_and_protected(output: &Output) {
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [r#"{"text":"This is an admin message."}"#, r#"{"text":"This is a protected message."}"#]
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

#[tokio::test]
async fn entra_id_posts_the_exact_form_to_the_tenant_endpoint_and_reuses_the_token() {
    let signer = Signer::rsa(0, "entra-key", Algorithm::RS256);
    let entra = FakeIssuer::start(vec![signer.jwk()]).await;
    let issuer = format!("{}/tenant-1/v2.0", entra.url);
    entra.set_issuer(&issuer);
    let roles =
        json!({ "aud": "api://app-1", "roles": ["read:admin-messages"], "tid": "tenant-1", "permissions": null });
    entra.answer_token_requests(200, issued(signer.sign(&with(claims(&issuer, &[]), roles)), 3600));
    let azure =
        [("AZURE_TENANT_ID", "tenant-1"), ("AZURE_APP_CLIENT_ID", "app-1"), ("AZURE_AUTHORITY_HOST", &entra.url)];

    let request = read_both_messages_as_caller(&entra, &azure).await;

    assert_eq!(request.path, "/tenant-1/oauth2/v2.0/token");
    assert_eq!(request.content_type, "application/x-www-form-urlencoded");
    assert_eq!(request.form, caller_form(("scope", "api://app-1/.default")));
}

#[tokio::test]
async fn b2c_posts_to_the_policy_token_endpoint_with_the_onmicrosoft_scope() {
    let signer = Signer::rsa(1, "b2c-key", Algorithm::RS256);
    let b2c = FakeIssuer::start(vec![signer.jwk()]).await;
    let issuer = format!("{}/b2c-tenant-id/v2.0/", b2c.url);
    b2c.set_issuer(&issuer);
    let roles = json!({ "aud": "app-1", "roles": ["read:admin-messages"], "permissions": null });
    b2c.answer_token_requests(200, issued(signer.sign(&with(claims(&issuer, &[]), roles)), 3600));
    let azure = [
        ("AZURE_B2C_TENANT_NAME", "contoso"),
        ("AZURE_B2C_POLICY", "B2C_1_signin"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("AZURE_B2C_AUTHORITY_HOST", &b2c.url),
    ];

    let request = read_both_messages_as_caller(&b2c, &azure).await;

    assert_eq!(request.path, "/contoso.onmicrosoft.com/B2C_1_signin/oauth2/v2.0/token");
    assert_eq!(request.form, caller_form(("scope", "https://contoso.onmicrosoft.com/app-1/.default")));
}

#[tokio::test]
async fn auth0_posts_the_audience_to_the_tenant_token_endpoint() {
    let signer = Signer::rsa(2, "auth0-key", Algorithm::RS256);
    let auth0 = FakeIssuer::start(vec![signer.jwk()]).await;
    auth0.answer_token_requests(200, issued(signer.sign(&claims(&auth0.issuer(), &["read:admin-messages"])), 86400));
    let tenant = [("AUTH0_DOMAIN", auth0.url.as_str()), ("AUTH0_AUDIENCE", AUDIENCE)];

    let request = read_both_messages_as_caller(&auth0, &tenant).await;

    assert_eq!(request.path, "/oauth/token");
    assert_eq!(request.form, caller_form(("audience", AUDIENCE)));
}

#[tokio::test]
async fn any_openid_provider_is_asked_at_its_metadata_token_endpoint() {
    let provider = FakeIssuer::start(vec![]).await;
    provider.answer_token_requests(200, issued("opaque-token".into(), 3600));

    let vars = [("ISSUER_BASE_URL", provider.url.as_str()), ("CLIENT_ID", "caller"), ("CLIENT_SECRET", SECRET)];
    let output = hello_client(&vars, &["token"]).await;

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), "opaque-token", "`token` prints the token and nothing else");
    assert_eq!(provider.paths()[0], "/.well-known/openid-configuration");
    let requests = provider.token_requests();
    assert_eq!(requests[0].path, "/oauth/token", "the metadata's token_endpoint");
    assert_eq!(
        requests[0].form,
        form(&[("grant_type", "client_credentials"), ("client_id", "caller"), ("client_secret", SECRET)])
    );
}

#[tokio::test]
async fn a_token_within_a_minute_of_expiry_is_not_reused() {
    let signer = Signer::rsa(0, "key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    provider.answer_token_requests(200, issued(signer.sign(&claims(&provider.issuer(), &[])), 59));
    let app = TestApp::trusting(&provider, &[]).await;

    let vars = [
        ("ISSUER_BASE_URL", provider.url.as_str()),
        ("API_SERVER_URL", app.url.as_str()),
        ("CLIENT_ID", "caller"),
        ("CLIENT_SECRET", SECRET),
    ];
    let output = hello_client(&vars, &["call", PROTECTED, PROTECTED]).await;

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(provider.token_requests().len(), 2);
}

#[tokio::test]
async fn a_refusal_shows_the_error_and_description_on_stderr_without_the_secret() {
    let provider = FakeIssuer::start(vec![]).await;
    provider.answer_token_requests(
        401,
        json!({ "error": "invalid_client", "error_description": "Client authentication failed\u{1b}[31m" }),
    );
    let vars = [("ISSUER_BASE_URL", provider.url.as_str()), ("CLIENT_ID", "caller"), ("CLIENT_SECRET", SECRET)];

    let output = hello_client(&vars, &["call", ADMIN]).await;

    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr.trim(),
        "hello-client: the token endpoint refused the request: invalid_client: Client authentication failed[31m",
        "one line; control characters from the issuer are dropped"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_network_error_with_a_non_zero_exit() {
    let provider = FakeIssuer::start(vec![]).await;
    let url = provider.url.clone();
    provider.go_down();
    let vars =
        [("AUTH0_DOMAIN", url.as_str()), ("AUTH0_AUDIENCE", "api"), ("CLIENT_ID", "c"), ("CLIENT_SECRET", SECRET)];

    let output = hello_client(&vars, &["token"]).await;

    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.starts_with(&format!("hello-client: cannot reach the token endpoint {url}/oauth/token")),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(output.stdout.is_empty() && !stderr.contains(SECRET));
}

#[tokio::test]
async fn plain_http_is_refused_for_hosts_other_than_loopback() {
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("AUTH0_DOMAIN", "http://tenant.example.com"), ("AUTH0_AUDIENCE", "a")], "AUTH0_DOMAIN"),
        (&[("ISSUER_BASE_URL", "http://idp.example.com")], "ISSUER_BASE_URL"),
        (&[("API_SERVER_URL", "http://api.example.com")], "API_SERVER_URL"),
    ];
    for (vars, variable) in cases {
        let output = hello_client(vars, &["call", ADMIN]).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(&format!("hello-client: configuration error: {variable}: ")), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[tokio::test]
async fn in_local_mode_demo_admin_reads_the_admin_message_and_demo_client_is_denied() {
    let app = TestApp::local(&[]).await;
    let issuer_port = app.local_issuer_url.as_deref().unwrap().trim_end_matches('/').rsplit(':').next().unwrap();
    let local = [
        ("API_SERVER_URL", app.url.as_str()),
        ("LOCAL_ISSUER_PORT", issuer_port),
        // Everything is on loopback, where a proxy could not reach: it is not used.
        ("HTTP_PROXY", "http://127.0.0.1:9"),
        ("ALL_PROXY", "http://127.0.0.1:9"),
    ];
    let token = hello_client(&local, &["token"]).await;
    app.wait_for_status(PROTECTED, text(&token.stdout).trim(), 200).await;

    let mut as_admin = local.to_vec();
    as_admin.push(("CLIENT_ID", "demo-admin"));
    let admin = hello_client(&as_admin, &["call", ADMIN]).await;
    assert_eq!(admin.status.code(), Some(0), "{}", text(&admin.stderr));
    assert_eq!(text(&admin.stdout).trim(), r#"{"text":"This is an admin message."}"#);

    let client = hello_client(&local, &["call", ADMIN]).await;
    assert_ne!(client.status.code(), Some(0));
    assert!(text(&client.stdout).contains(r#""message":"Permission denied""#), "{}", text(&client.stdout));
    assert!(text(&client.stderr).contains("403"));

    let mut wrong_secret = as_admin.clone();
    wrong_secret.push(("CLIENT_SECRET", SECRET));
    let refused = hello_client(&wrong_secret, &["call", ADMIN]).await;
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr.contains("invalid_client") && !stderr.contains(SECRET), "{stderr}");
}

#[tokio::test]
async fn dot_env_configures_the_client_and_the_environment_wins() {
    let app = TestApp::local(&[]).await;
    let issuer_port = app.local_issuer_url.as_deref().unwrap().trim_end_matches('/').rsplit(':').next().unwrap();
    let dir = empty_dir();
    std::fs::write(
        dir.join(".env"),
        format!("API_SERVER_URL={}\nLOCAL_ISSUER_PORT={issuer_port}\nCLIENT_ID=demo-admin\n", app.url),
    )
    .unwrap();
    let token = hello_client_in(&dir, &[], &["token"]).await;
    app.wait_for_status(ADMIN, text(&token.stdout).trim(), 200).await;

    let from_file = hello_client_in(&dir, &[], &["call", ADMIN]).await;
    assert_eq!(from_file.status.code(), Some(0), "{}", text(&from_file.stderr));

    let overridden = hello_client_in(&dir, &[("CLIENT_ID", "demo-client")], &["call", ADMIN]).await;
    assert_ne!(overridden.status.code(), Some(0), "CLIENT_ID from the environment wins over .env");

    let empty = hello_client_in(&dir, &[("CLIENT_ID", "")], &["call", ADMIN]).await;
    assert_eq!(empty.status.code(), Some(0), "an empty variable counts as unset: {}", text(&empty.stderr));
}

#[tokio::test]
async fn scope_and_resource_are_sent_to_any_openid_provider_and_the_token_reads_the_admin_message() {
    let signer = Signer::rsa(0, "rfc8707-key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    let token = with(claims(&provider.issuer(), &[]), json!({ "permissions": null, "scope": "read:admin-messages" }));
    provider.answer_token_requests(200, issued(signer.sign(&token), 3600));
    let app = TestApp::trusting(&provider, &[("PERMISSIONS_CLAIM", "scope")]).await;
    let vars = [
        ("ISSUER_BASE_URL", provider.url.as_str()),
        ("API_SERVER_URL", app.url.as_str()),
        ("CLIENT_ID", "caller"),
        ("CLIENT_SECRET", SECRET),
        ("CLIENT_SCOPE", "  read:admin-messages   openid "),
        ("CLIENT_RESOURCE", AUDIENCE),
    ];

    let output = hello_client(&vars, &["call", ADMIN]).await;

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("This is an admin message."), "{}", text(&output.stdout));
    let mut expected = caller_form(("scope", "read:admin-messages openid"));
    expected.insert("resource".into(), AUDIENCE.into());
    assert_eq!(provider.token_requests()[0].form, expected, "space-delimited scopes, normalised");

    // Flags win over the environment.
    let output =
        hello_client(&vars, &["--scope", "read:messages", "--resource", "https://other.example/api", "token"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mut expected = caller_form(("scope", "read:messages"));
    expected.insert("resource".into(), "https://other.example/api".into());
    assert_eq!(provider.token_requests()[1].form, expected);
}

#[tokio::test]
async fn auth0_and_local_mode_send_scope_and_resource_next_to_their_own_fields() {
    let auth0 = FakeIssuer::start(vec![]).await;
    auth0.answer_token_requests(200, issued("opaque".into(), 3600));
    let vars = [
        ("AUTH0_DOMAIN", auth0.url.as_str()),
        ("AUTH0_AUDIENCE", AUDIENCE),
        ("CLIENT_ID", "caller"),
        ("CLIENT_SECRET", SECRET),
        ("CLIENT_SCOPE", "read:admin-messages"),
        ("CLIENT_RESOURCE", AUDIENCE),
    ];
    let output = hello_client(&vars, &["token"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mut expected = caller_form(("audience", AUDIENCE));
    expected.insert("scope".into(), "read:admin-messages".into());
    expected.insert("resource".into(), AUDIENCE.into());
    assert_eq!(auth0.token_requests()[0].form, expected);

    // The local issuer takes (and ignores) them.
    let app = TestApp::local(&[]).await;
    let port = app.local_issuer_url.as_deref().unwrap().trim_end_matches('/').rsplit(':').next().unwrap().to_owned();
    let vars = [
        ("LOCAL_ISSUER_PORT", port.as_str()),
        ("API_SERVER_URL", app.url.as_str()),
        ("CLIENT_ID", "demo-admin"),
        ("CLIENT_SCOPE", "read:admin-messages"),
        ("CLIENT_RESOURCE", AUDIENCE),
    ];
    let output = hello_client(&vars, &["call", ADMIN]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[tokio::test]
async fn scope_or_resource_with_an_entra_preset_or_malformed_is_a_setting_error_naming_the_variable() {
    let entra = [
        ("AZURE_TENANT_ID", "tenant-1"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("CLIENT_ID", "c"),
        ("CLIENT_SECRET", SECRET),
    ];
    let b2c = [
        ("AZURE_B2C_TENANT_NAME", "contoso"),
        ("AZURE_B2C_POLICY", "B2C_1_signin"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("CLIENT_ID", "c"),
        ("CLIENT_SECRET", SECRET),
    ];
    let openid = [("ISSUER_BASE_URL", "http://127.0.0.1:9"), ("CLIENT_ID", "c"), ("CLIENT_SECRET", SECRET)];
    type Vars<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Vars, (&str, &str)); 6] = [
        (&entra, ("CLIENT_SCOPE", "read:admin-messages")),
        (&entra, ("CLIENT_RESOURCE", AUDIENCE)),
        (&b2c, ("CLIENT_SCOPE", "read:admin-messages")),
        (&openid, ("CLIENT_SCOPE", "read:\"admin\"")),
        (&openid, ("CLIENT_RESOURCE", "not a uri")),
        (&openid, ("CLIENT_RESOURCE", "https://api.example/#fragment")),
    ];
    for (provider, (variable, value)) in cases {
        let mut vars = provider.to_vec();
        vars.push((variable, value));
        let output = hello_client(&vars, &["token"]).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}={value}: {stderr}");
        assert!(stderr.contains(variable), "{variable}={value}: {stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
    }
}

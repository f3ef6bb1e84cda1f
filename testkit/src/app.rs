//! The real application on port 0, and the answers most tests assert.

use std::collections::HashMap;

use hello_api::config::Settings;
use hello_api::startup::Application;
use serde_json::{Value, json};

use crate::{AUDIENCE, FakeIssuer, eventually, install_logger};

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

    /// A client-credentials access token from the local issuer (local mode only).
    pub async fn local_token(&self, client_id: &str, client_secret: &str) -> String {
        let issuer = self.local_issuer_url.as_deref().expect("local mode runs the local issuer");
        let body: serde_json::Value = self
            .http
            .post(format!("{issuer}oauth/token"))
            .form(&[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", client_secret)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap_or_else(|| panic!("a token for {client_id}: {body}")).to_owned()
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
        self.until_status(path, Some(token), expected).await
    }

    /// GETs `path` (with `token` when given) until the status is `expected`, at most ~15 s.
    pub async fn until_status(&self, path: &str, token: Option<&str>, expected: u16) -> reqwest::Response {
        eventually(&format!("{path} answers {expected}"), || async {
            let response = self.get(path, token).await;
            (response.status().as_u16() == expected).then_some(response)
        })
        .await
    }
}

/// One key file for every local-mode test, so that the key is generated once per run.
pub fn shared_key_file() -> String {
    let dir = std::env::temp_dir().join(format!("hello-api-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("local-issuer-key.pem").display().to_string()
}

/// The body of a JSON answer, after asserting its `content-type: application/json`.
pub async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("a JSON body")
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

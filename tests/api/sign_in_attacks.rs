//! docs/sign-in.md, "What the issuer accepts": the sign-in tried as an attacker would. Each test
//! names the finding of the security review it closes (SECURITY.md).

use serde_json::Value;

use crate::helpers::code_flow::{
    ORIGIN, REDIRECT, VERIFIER, challenge, exchange, issuer, location, log_in, parameter, query, sign_in,
};
use crate::helpers::{LOG_LINES, TestApp};
use crate::sign_in::{assert_invalid_grant, authorize, decode_part};

/// The `invalid_request` page: 400, HTML, no redirect.
async fn assert_error_page(response: reqwest::Response, case: &str) -> String {
    assert_eq!(response.status(), 400, "{case}");
    assert!(response.headers().get("location").is_none(), "{case}: never a redirect");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{case}: {content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("invalid_request"), "{case}: {page}");
    page
}

/// `/v2/logout` for the SPA with `returnTo`.
async fn logout(app: &TestApp, return_to: &str) -> reqwest::Response {
    let query = serde_urlencoded::to_string([("client_id", "demo-spa"), ("returnTo", return_to)]).unwrap();
    app.http.get(format!("{}v2/logout?{query}", issuer(app))).send().await.unwrap()
}

/// An error sent back to the client's redirect URI.
fn error_to_client(response: &reqwest::Response, case: &str) -> Option<String> {
    assert_eq!(response.status(), 302, "{case}");
    let url = location(response);
    assert!(url.as_str().starts_with(REDIRECT), "{case}: {url}");
    parameter(&url, "error")
}

/// Finding 1: the ID token's `sid` rebuilt the session cookie, and with it `prompt=none` gave
/// anyone holding an ID token a new access token.
#[tokio::test]
async fn the_id_token_sid_is_not_the_session_cookie_and_cannot_rebuild_it() {
    let app = TestApp::local(&[]).await;
    let (code, cookie) = sign_in(&app, "admin@example.com", "demo-admin-password").await;
    let body: Value = exchange(&app, &code, VERIFIER, REDIRECT).await.json().await.unwrap();
    let id = decode_part(body["id_token"].as_str().unwrap(), 1);
    let sid = id["sid"].as_str().expect("a sid").to_owned();
    let (name, value) = cookie.split_once('=').unwrap();
    assert_ne!(sid, value, "the sid is a value of its own");
    assert!(!value.contains(&sid) && !sid.contains(value));

    let forged = format!("{name}={sid}");
    let attempt = authorize(&app, &query(&[("prompt", Some("none"))]), Some(&forged)).await;
    assert_eq!(error_to_client(&attempt, "a cookie rebuilt from sid").as_deref(), Some("login_required"));
    // The real cookie still works, and its sessions' codes carry the same sid.
    let silent = authorize(&app, &query(&[("prompt", Some("none"))]), Some(&cookie)).await;
    let code = parameter(&location(&silent), "code").expect("a code for the real cookie");
    let body: Value = exchange(&app, &code, VERIFIER, REDIRECT).await.json().await.unwrap();
    assert_eq!(decode_part(body["id_token"].as_str().unwrap(), 1)["sid"], sid.as_str());
}

/// Finding 2: every parameter is bounded; one byte over is refused and never stored.
#[tokio::test]
async fn each_parameter_is_bounded_and_one_byte_over_is_invalid_request() {
    let app = TestApp::local(&[]).await;
    let long = |n: usize| "a".repeat(n);
    for (name, limit) in [("state", 512), ("nonce", 512), ("scope", 1024)] {
        let at_limit = authorize(&app, &query(&[(name, Some(&long(limit)))]), None).await;
        assert_eq!(at_limit.status(), 200, "{name} of {limit} bytes shows the login page");
        let over = authorize(&app, &query(&[(name, Some(&long(limit + 1)))]), None).await;
        assert_eq!(error_to_client(&over, name).as_deref(), Some("invalid_request"), "{name} over {limit}");
        let over_query = query(&[(name, Some(&long(limit + 1)))]);
        let posted = log_in(&app, &over_query, "admin@example.com", "demo-admin-password").await;
        assert_eq!(posted.status(), 303, "{name}");
        assert_eq!(parameter(&location(&posted), "error").as_deref(), Some("invalid_request"), "no code for {name}");
    }
    let audience = authorize(&app, &query(&[("audience", Some(&long(1025)))]), None).await;
    assert_eq!(error_to_client(&audience, "audience").as_deref(), Some("invalid_request"));

    let path = format!("{ORIGIN}/{}", long(2048 - ORIGIN.len() - 1));
    assert_eq!(path.len(), 2048);
    let at_limit = authorize(&app, &query(&[("redirect_uri", Some(&path))]), None).await;
    assert_eq!(at_limit.status(), 200, "a redirect_uri of 2,048 bytes");
    let over = format!("{path}b");
    assert_error_page(authorize(&app, &query(&[("redirect_uri", Some(&over))]), None).await, "redirect_uri").await;
    let logout = logout(&app, &over).await;
    assert_error_page(logout, "returnTo over 2,048").await;
}

/// Finding 3: a control character in `returnTo` made the `Location` header fail: a 500 and an
/// ERROR line per request, with no cookie needed.
#[tokio::test]
async fn logout_with_control_characters_in_return_to_is_a_clear_refusal_not_a_500() {
    let app = TestApp::local(&[]).await;
    let since = LOG_LINES.lock().unwrap().len();
    for encoded in ["%0a", "%0d", "%7f", "%0d%0aSet-Cookie:%20x=1", "%00"] {
        let url = format!("{}v2/logout?client_id=demo-spa&returnTo=http://localhost:4040/{encoded}", issuer(&app));
        let response = app.http.get(url).send().await.unwrap();
        assert!(response.headers().get("set-cookie").is_none_or(|value| !value.to_str().unwrap().contains("x=1")));
        assert_error_page(response, encoded).await;
    }
    let errors: Vec<String> = LOG_LINES.lock().unwrap()[since..]
        .iter()
        .filter(|line| line.starts_with("ERROR") && line.contains("answered 500"))
        .cloned()
        .collect();
    assert!(errors.is_empty(), "no ERROR line: {errors:?}");

    // What is a URL on the client origin goes back in its normalised form.
    for (sent, normalised) in [
        ("http://LOCALHOST:4040", "http://localhost:4040/"),
        ("http://localhost:4040/a b?x=<y>", "http://localhost:4040/a%20b?x=%3Cy%3E"),
    ] {
        let response = logout(&app, sent).await;
        assert_eq!(response.status(), 302, "{sent}");
        assert_eq!(response.headers()["location"], normalised, "{sent}");
    }
}

/// Finding 4: userinfo, fragments, `blob:` URLs and control characters passed as redirect URIs.
#[tokio::test]
async fn a_redirect_uri_is_http_on_the_client_origin_without_userinfo_fragment_or_control_characters() {
    let app = TestApp::local(&[]).await;
    for bad in [
        "http://evil.example@localhost:4040/callback",
        "http://user:pass@localhost:4040/callback",
        "http://localhost:4040/callback#fragment",
        "http://localhost:4040/callback#",
        "blob:http://localhost:4040/0b4c1b8e-6e3c-4b8e-9c1a-2f1f0e8f6a11",
        "http://localhost:4040/call\nback",
        "http://localhost:4040/callback\r",
        "http://localhost:4040/call\tback",
        "http://localhost:4040/callback\u{7f}",
        " http://localhost:4040/callback",
        "javascript://localhost:4040/%0aalert(1)",
    ] {
        let page = assert_error_page(authorize(&app, &query(&[("redirect_uri", Some(bad))]), None).await, bad).await;
        assert!(page.contains("redirect_uri"), "{bad}: {page}");
        let bad_query = query(&[("redirect_uri", Some(bad))]);
        let posted = log_in(&app, &bad_query, "admin@example.com", "demo-admin-password").await;
        assert_error_page(posted, bad).await;
        let logout = logout(&app, bad).await;
        assert_error_page(logout, bad).await;
    }

    // An allowed URI is used in its normalised form, and the exchange names it either way.
    let sent = "HTTP://LOCALHOST:4040/callback";
    let response =
        log_in(&app, &query(&[("redirect_uri", Some(sent))]), "user@example.com", "demo-user-password").await;
    let url = location(&response);
    assert_eq!(format!("{}://{}{}", url.scheme(), url.authority(), url.path()), REDIRECT);
    let code = parameter(&url, "code").unwrap();
    assert_eq!(exchange(&app, &code, VERIFIER, sent).await.status(), 200);
}

/// Finding 5: a 1-character verifier and `code_challenge=x` passed.
#[tokio::test]
async fn pkce_values_have_the_shape_rfc_7636_gives_them() {
    let app = TestApp::local(&[]).await;
    let good = challenge(VERIFIER);
    let bad_challenges = [
        "x".to_owned(),
        good[..42].to_owned(),
        format!("{good}A"),
        format!("{}+", &good[..42]),
        format!("{}=", &good[..42]),
    ];
    for bad in &bad_challenges {
        let response = authorize(&app, &query(&[("code_challenge", Some(bad))]), None).await;
        assert_eq!(error_to_client(&response, bad).as_deref(), Some("invalid_request"), "code_challenge={bad}");
    }

    for bad in
        ["x".to_owned(), "a".repeat(42), "a".repeat(129), format!("{}!", "a".repeat(43)), format!("{} ", VERIFIER)]
    {
        let (code, _) = sign_in(&app, "user@example.com", "demo-user-password").await;
        let response = exchange(&app, &code, &bad, REDIRECT).await;
        assert_eq!(response.status(), 400, "code_verifier={bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "code_verifier={bad:?}: {body}");
    }
    // The limits themselves are allowed: 43 and 128 unreserved characters.
    for verifier in ["A".repeat(43), "-._~0aZ".repeat(19)[..128].to_owned()] {
        let challenged = query(&[("code_challenge", Some(&challenge(&verifier)))]);
        let response = log_in(&app, &challenged, "user@example.com", "demo-user-password").await;
        let code = parameter(&location(&response), "code").unwrap();
        assert_eq!(exchange(&app, &code, &verifier, REDIRECT).await.status(), 200, "{} characters", verifier.len());
    }
    assert_invalid_grant(exchange(&app, "no-such-code", VERIFIER, REDIRECT).await).await;
}

//! Each configuration mistake: one clear line on stderr naming the variable, a non-zero exit,
//! and never a panic.

use std::process::Stdio;

use tokio::process::Command;

use crate::helpers::TempDir;

/// Runs the real binary with exactly `vars`, in an empty directory (so no `.env` is read).
async fn run(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = TempDir::new("config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hello-api"));
    command.env_clear().current_dir(&dir).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.envs(vars.iter().copied()).kill_on_drop(true);
    let output = tokio::time::timeout(std::time::Duration::from_secs(20), command.output())
        .await
        .expect("a bad configuration stops the server at once")
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn each_configuration_mistake_is_one_line_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("PORT", "http")], "PORT"),
        (&[("PORT", "65536")], "PORT"),
        (&[("HOST", "not a host")], "HOST"),
        (&[("CLIENT_ORIGIN_URL", "http://localhost:4040/page")], "CLIENT_ORIGIN_URL"),
        (&[("AUTH0_DOMAIN", "tenant.auth0.com")], "AUTH0_AUDIENCE"),
        (&[("ISSUER_BASE_URL", "https://id.example.com")], "AUTH0_AUDIENCE"),
        (&[("ISSUER_BASE_URL", "http://id.example.com"), ("AUDIENCE", "a")], "ISSUER_BASE_URL"),
        (&[("AUTH0_DOMAIN", "http://10.1.2.3"), ("AUDIENCE", "a")], "AUTH0_DOMAIN"),
        (
            &[("AUTH0_DOMAIN", "a.auth0.com"), ("ISSUER_BASE_URL", "https://b.example.com"), ("AUDIENCE", "a")],
            "AUTH0_DOMAIN",
        ),
        (&[("TOKEN_ALGORITHMS", "RS256,HS256")], "TOKEN_ALGORITHMS"),
        (&[("TOKEN_ALGORITHMS", "none")], "TOKEN_ALGORITHMS"),
        (&[("TOKEN_ALGORITHMS", "RS257")], "TOKEN_ALGORITHMS"),
        (&[("CLOCK_SKEW_SECONDS", "five")], "CLOCK_SKEW_SECONDS"),
        (&[("JWKS_CACHE_SECONDS", "0")], "JWKS_CACHE_SECONDS"),
        (&[("JWKS_COOLDOWN_SECONDS", "-3")], "JWKS_COOLDOWN_SECONDS"),
        (&[("PERMISSIONS_CLAIM", "permissions,")], "PERMISSIONS_CLAIM"),
        (&[("AUTH0_AUDIENCE", "a"), ("AUDIENCE", "b")], "AUDIENCE"),
        (&[("LOCAL_ISSUER_PORT", "sixty")], "LOCAL_ISSUER_PORT"),
        (&[("AZURE_TENANT_ID", "t-1")], "AZURE_APP_CLIENT_ID"),
        (&[("AZURE_TENANT_ID", "common"), ("AZURE_APP_CLIENT_ID", "app")], "AZURE_ALLOWED_TENANTS"),
        (
            &[("AZURE_TENANT_ID", "t-1"), ("AZURE_APP_CLIENT_ID", "app"), ("AZURE_ALLOWED_TENANTS", "t-2")],
            "AZURE_ALLOWED_TENANTS",
        ),
        (
            &[("AZURE_TENANT_ID", "t-1"), ("AZURE_APP_CLIENT_ID", "app"), ("AUTH0_DOMAIN", "a.auth0.com")],
            "AZURE_TENANT_ID",
        ),
        (
            &[
                ("AZURE_TENANT_ID", "t-1"),
                ("AZURE_APP_CLIENT_ID", "app"),
                ("AZURE_AUTHORITY_HOST", "http://login.example.com"),
            ],
            "AZURE_AUTHORITY_HOST",
        ),
        (&[("AZURE_B2C_TENANT_NAME", "contoso"), ("AZURE_APP_CLIENT_ID", "app")], "AZURE_B2C_POLICY"),
        (
            &[
                ("AZURE_B2C_TENANT_NAME", "contoso"),
                ("AZURE_B2C_POLICY", "p"),
                ("AZURE_APP_CLIENT_ID", "app"),
                ("AZURE_TENANT_ID", "t"),
            ],
            "AZURE_B2C_TENANT_NAME",
        ),
        (
            &[("AUTH0_DOMAIN", "a.auth0.com"), ("AUDIENCE", "a"), ("AZURE_ALLOWED_TENANTS", "t")],
            "AZURE_ALLOWED_TENANTS",
        ),
    ];
    for (vars, variable) in cases {
        let (code, stderr) = run(vars).await;
        assert_ne!(code, Some(0), "{vars:?}");
        assert!(code.is_some(), "{vars:?} ended by a signal");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{vars:?}: {stderr}");
        assert!(lines[0].contains(variable), "{vars:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{vars:?}: {stderr}");
    }
}

#[tokio::test]
async fn a_port_in_use_is_one_line_naming_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = run(&[("PORT", &port), ("AUTH0_DOMAIN", "tenant.auth0.com"), ("AUDIENCE", "a")]).await;
    assert_ne!(code, Some(0));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PORT") && stderr.contains(&port), "{stderr}");
}

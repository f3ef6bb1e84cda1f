//! The settings as a whole: defaults, each issuer, and a mistake naming its variable.

use super::declare::Fallback;
use super::*;
use crate::auth::{KeySource, SigningAlgorithm};
use crate::config::dpop::ReplayStoreSetting;

/// The metadata URL a discovering issuer is found at.
fn discovery(s: &Settings) -> Url {
    match s.authority.key_source() {
        Some(KeySource::Discovery { metadata_url, .. }) => metadata_url,
        other => panic!("not discovery: {other:?}"),
    }
}

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn no_configuration_means_local_mode_with_the_documented_defaults() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.authority, Authority::Local);
    assert_eq!((s.listen.host.as_str(), s.listen.port), ("127.0.0.1", 6060));
    assert_eq!(s.listen.client_origin, "http://localhost:4040");
    assert_eq!(s.tokens.policy.audiences, [LOCAL_AUDIENCE]);
    assert_eq!(s.tokens.policy.permission_claims, ["permissions"]);
    assert_eq!(s.tokens.policy.algorithms, [SigningAlgorithm::RS256]);
    assert_eq!(s.tokens.policy.leeway, Duration::from_secs(5));
    assert_eq!(s.tokens.policy.allowed_tenants, None);
    assert_eq!(s.tokens.cache_size, 10_000);
    assert_eq!(s.key_set.fresh_for, Duration::from_secs(600));
    assert_eq!(s.key_set.cooldown, Duration::from_secs(30));
    assert_eq!(s.key_set.retry, Duration::from_secs(3));
    assert_eq!(s.local.port, 6061);
    assert_eq!(
        (s.local.client_secret.as_str(), s.local.admin_secret.as_str()),
        ("demo-client-secret", "demo-admin-secret")
    );
    assert_eq!(s.local.key_file, std::path::Path::new(".local-issuer-key.pem"));
    assert!(s.serve_demo);
    assert_eq!(s.operations, OperationsSettings { drain: Duration::ZERO, metrics: true, log_filter: "info".into() });
}

#[test]
fn an_auth0_domain_means_https_issuer_and_key_url() {
    let s = settings(&[("AUTH0_DOMAIN", "tenant.eu.auth0.com"), ("AUTH0_AUDIENCE", "https://api")]).unwrap();
    let Some(KeySource::Fixed { issuer, jwks_uri }) = s.authority.key_source() else {
        panic!("{:?} has a fixed key set", s.authority);
    };
    assert_eq!(issuer, "https://tenant.eu.auth0.com/");
    assert_eq!(jwks_uri.as_str(), "https://tenant.eu.auth0.com/.well-known/jwks.json");
    assert!(!s.serve_demo);
}

#[test]
fn issuer_base_url_gets_the_discovery_path_once() {
    for base in [
        "https://id.example.com/realm",
        "https://id.example.com/realm/",
        "https://id.example.com/realm/.well-known/openid-configuration",
    ] {
        let s = settings(&[("ISSUER_BASE_URL", base), ("AUDIENCE", "a")]).unwrap();
        let expected = Url::parse("https://id.example.com/realm/.well-known/openid-configuration").unwrap();
        assert_eq!(discovery(&s), expected, "{base}");
    }
}

#[test]
fn plain_http_is_allowed_only_on_loopback() {
    for ok in ["http://localhost:1/", "http://127.0.0.9:8080", "http://[::1]:9"] {
        assert!(settings(&[("ISSUER_BASE_URL", ok), ("AUDIENCE", "a")]).is_ok(), "{ok}");
    }
    for bad in ["http://example.com", "http://10.0.0.1", "http://localhost.example.com", "ftp://localhost"] {
        let err = settings(&[("ISSUER_BASE_URL", bad), ("AUDIENCE", "a")]).unwrap_err();
        assert_eq!(err.variable, "ISSUER_BASE_URL", "{bad}");
    }
}

#[test]
fn each_mistake_names_its_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("PORT", "http")], "PORT"),
        (&[("PORT", "70000")], "PORT"),
        (&[("HOST", "not a host")], "HOST"),
        (&[("CLIENT_ORIGIN_URL", "localhost:4040/app")], "CLIENT_ORIGIN_URL"),
        (&[("CLIENT_ORIGIN_URL", "http://localhost:4040/app")], "CLIENT_ORIGIN_URL"),
        (&[("AUTH0_DOMAIN", "tenant.auth0.com")], "AUTH0_AUDIENCE"),
        (
            &[("AUTH0_DOMAIN", "a.com"), ("ISSUER_BASE_URL", "https://b.com"), ("AUDIENCE", "x")],
            "AUTH0_DOMAIN, ISSUER_BASE_URL",
        ),
        (&[("TOKEN_ALGORITHMS", "RS256,HS256")], "TOKEN_ALGORITHMS"),
        (&[("TOKEN_ALGORITHMS", "none")], "TOKEN_ALGORITHMS"),
        (&[("TOKEN_ALGORITHMS", "RS256,,ES256")], "TOKEN_ALGORITHMS"),
        (&[("CLOCK_SKEW_SECONDS", "-1")], "CLOCK_SKEW_SECONDS"),
        (&[("JWKS_CACHE_SECONDS", "0")], "JWKS_CACHE_SECONDS"),
        (&[("JWKS_COOLDOWN_SECONDS", "soon")], "JWKS_COOLDOWN_SECONDS"),
        (&[("AUDIENCE", "a"), ("AUTH0_AUDIENCE", "b")], "AUTH0_AUDIENCE, AUDIENCE"),
        (&[("AZURE_TENANT_ID", "common"), ("AZURE_APP_CLIENT_ID", "app")], "AZURE_ALLOWED_TENANTS"),
        (&[("AZURE_TENANT_ID", "t")], "AZURE_APP_CLIENT_ID"),
        (
            &[("AZURE_TENANT_ID", "t"), ("AZURE_APP_CLIENT_ID", "a"), ("AUTH0_DOMAIN", "x.com")],
            "AUTH0_DOMAIN, AZURE_TENANT_ID",
        ),
        (&[("LOCAL_ISSUER_PORT", "x")], "LOCAL_ISSUER_PORT"),
        (&[("SERVE_DEMO", "maybe")], "SERVE_DEMO"),
        (&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "https://app.example.com")], "SERVE_DEMO"),
        (&[("DPOP", "sometimes")], "DPOP"),
        (&[("DPOP_ALGORITHMS", "HS256")], "DPOP_ALGORITHMS"),
        (&[("DPOP_ALGORITHMS", "ES256,none")], "DPOP_ALGORITHMS"),
        (&[("DPOP_PROOF_SECONDS", "0")], "DPOP_PROOF_SECONDS"),
        (&[("DPOP_REPLAY_STORE", "disk")], "DPOP_REPLAY_STORE"),
        (&[("DPOP_REPLAY_STORE", "rediss://cache:6380")], "DPOP_REPLAY_STORE"),
        (&[("PUBLIC_URL", "api.example.com")], "PUBLIC_URL"),
        (&[("PUBLIC_URL", "https://api.example.com/?x=1")], "PUBLIC_URL"),
    ];
    for (vars, variable) in cases {
        let err = settings(vars).expect_err(&format!("{vars:?} should be refused"));
        assert_eq!(&err.variable, variable, "{vars:?}: {err}");
    }
}

#[test]
fn dpop_is_allowed_by_default_with_es256_five_minutes_and_memory() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.dpop.mode, crate::auth::dpop::DpopMode::Allowed);
    assert_eq!(s.dpop.algorithms, [SigningAlgorithm::ES256]);
    assert_eq!(s.dpop.proof_window, Duration::from_secs(300));
    assert_eq!(s.dpop.replay_store, ReplayStoreSetting::Memory);
    assert_eq!(s.dpop.public_url, None);
    let s = settings(&[
        ("DPOP", "Required"),
        ("DPOP_ALGORITHMS", "es256,EdDSA"),
        ("DPOP_REPLAY_STORE", "redis://cache:6379/2"),
        ("PUBLIC_URL", "https://api.example.com"),
    ])
    .unwrap();
    assert_eq!(s.dpop.mode, crate::auth::dpop::DpopMode::Required);
    assert_eq!(s.dpop.algorithms, [SigningAlgorithm::ES256, SigningAlgorithm::EdDSA]);
    assert_eq!(s.dpop.replay_store, ReplayStoreSetting::Redis("redis://cache:6379/2".into()));
    assert_eq!(s.dpop.public_url.unwrap().as_str(), "https://api.example.com/");
}

#[test]
fn empty_values_count_as_unset() {
    let s = settings(&[("AUTH0_DOMAIN", ""), ("PORT", " "), ("AUDIENCE", "")]).unwrap();
    assert_eq!((s.authority, s.listen.port), (Authority::Local, 6060));
}

#[test]
fn entra_presets_map_onto_discovery() {
    let s = settings(&[("AZURE_TENANT_ID", "tid-1"), ("AZURE_APP_CLIENT_ID", "app-1")]).unwrap();
    let url = Url::parse("https://login.microsoftonline.com/tid-1/v2.0/.well-known/openid-configuration").unwrap();
    assert_eq!(discovery(&s), url);
    assert_eq!(s.tokens.policy.audiences, ["api://app-1", "app-1"]);
    assert_eq!(s.tokens.policy.permission_claims, ["roles"]);

    let s = settings(&[
        ("AZURE_B2C_TENANT_NAME", "contoso"),
        ("AZURE_B2C_POLICY", "B2C_1_signin"),
        ("AZURE_APP_CLIENT_ID", "app"),
    ])
    .unwrap();
    let url = Url::parse(
        "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration",
    )
    .unwrap();
    assert_eq!(discovery(&s), url);
    assert_eq!(s.tokens.policy.audiences, ["app"]);
}

/// The rows of docs/configuration.md's tables: the variables a row names, and its default cell.
fn documented() -> Vec<(Vec<&'static str>, &'static str)> {
    include_str!("../../docs/configuration.md")
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].split('`').skip(1).step_by(2).collect(), cells[1])
        })
        .collect()
}

#[test]
fn the_docs_tables_list_every_declared_setting_with_its_declared_default() {
    let rows = documented();
    let declared = vars::server();
    for about in &declared {
        let (_, default) = rows
            .iter()
            .find(|(names, _)| names.contains(&about.variable))
            .unwrap_or_else(|| panic!("docs/configuration.md has no row for {}", about.variable));
        let expected = match about.fallback {
            Fallback::Unset => "–".to_owned(),
            Fallback::Value(value) => format!("`{value}`"),
            Fallback::Derived(phrase) => phrase.to_owned(),
        };
        assert_eq!(*default, expected, "the default of {} in docs/configuration.md", about.variable);
    }
    for name in rows.iter().flat_map(|(names, _)| names) {
        assert!(declared.iter().any(|about| about.variable == *name), "docs/configuration.md lists {name}, undeclared");
    }
}

#[test]
fn help_shows_each_declared_default_and_hides_secrets_from_the_environment() {
    let command = command();
    for about in vars::server() {
        let arg = command.get_arguments().find(|arg| arg.get_id() == about.variable).expect("declared as a flag");
        assert_eq!(arg.get_long(), Some(about.flag().as_str()));
        assert_eq!(arg.get_env().and_then(|env| env.to_str()), Some(about.variable));
        assert_eq!(arg.is_hide_env_values_set(), about.secret, "{}", about.variable);
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        match about.default_text() {
            Some(default) => assert!(help.ends_with(&format!("[default: {default}]")), "{help}"),
            None => assert!(!help.contains("[default"), "{help}"),
        }
    }
    const { assert!(vars::LOCAL_CLIENT_SECRET.about.secret && vars::LOCAL_ADMIN_SECRET.about.secret) };
}

#[test]
fn env_example_names_every_setting_empty_or_with_its_declared_default() {
    let example: Vec<(&str, &str)> = include_str!("../../.env.example")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    for about in vars::server() {
        let (_, value) = example
            .iter()
            .find(|(name, _)| *name == about.variable)
            .unwrap_or_else(|| panic!(".env.example has no line for {}", about.variable));
        match about.fallback {
            Fallback::Value(default) if !value.is_empty() => assert_eq!(*value, default, "{}", about.variable),
            _ => assert!(value.is_empty(), "{} has no fixed default, so .env.example leaves it empty", about.variable),
        }
    }
}

//! An OpenID discovery document → `parse_metadata`. A key-set URL that comes out must obey the
//! https-or-loopback rule; nothing may panic.
#![no_main]

use hello_api::auth::IssuerCheck;
use hello_api::auth::jwks::parse_metadata;
use hello_api::urls::check_transport;
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    // The metadata's issuer must be on the configured host (OpenID Connect Discovery 1.0, 4.3).
    let configured = Url::parse("https://issuer.example.com").unwrap();
    if let Ok((_, jwks_uri)) = parse_metadata(&document, &IssuerCheck::SameOrigin(configured)) {
        assert!(check_transport(&jwks_uri).is_ok(), "an insecure jwks_uri was accepted: {jwks_uri}");
        assert!(matches!(jwks_uri.scheme(), "https" | "http"));
    }
});

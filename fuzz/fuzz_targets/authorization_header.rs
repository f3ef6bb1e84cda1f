//! The `Authorization` header value → bearer extraction → `parse_token` → the base64url and JSON
//! decoding of the payload and signature, exactly what the server does before any key is looked
//! up. Whatever the bytes, this must return an error or a token, never panic.
#![no_main]

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::test::TestRequest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hello_api::auth::{MAX_TOKEN_BYTES, SigningAlgorithm, bearer_token, parse_token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte says whether the header is sent once or twice (a repeated header is refused).
    let Some((&mode, value)) = data.split_first() else { return };
    let Ok(value) = HeaderValue::from_bytes(value) else { return };
    let mut request = TestRequest::default().append_header((AUTHORIZATION, value.clone()));
    if mode & 1 == 1 {
        request = request.append_header((AUTHORIZATION, value));
    }
    let request = request.to_http_request();
    let Ok(token) = bearer_token(&request) else { return };
    assert!(!token.is_empty(), "an empty token is never extracted");

    for algorithms in [&SigningAlgorithm::ALL[..], &[SigningAlgorithm::RS256][..]] {
        let Ok(parsed) = parse_token(token, algorithms) else { continue };
        assert!(token.len() <= MAX_TOKEN_BYTES);
        assert!(algorithms.contains(&parsed.algorithm));
        assert!(!parsed.kid.is_empty());
        assert_eq!(parsed.signed, &token[..parsed.signed.len()]);
        // What the validator does next, still without a key: decode the signature and payload.
        let _ = URL_SAFE_NO_PAD.decode(parsed.signature);
        if let Ok(payload) = URL_SAFE_NO_PAD.decode(parsed.payload) {
            let _ = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&payload);
        }
    }
});

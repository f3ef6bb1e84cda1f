//! A key-set document, as an issuer (or an attacker in its place) might serve it → `parse_key_set`.
//! Every key that comes out must verify nothing it did not sign; nothing may panic.
#![no_main]

use hello_api::auth::SigningAlgorithm;
use hello_api::auth::jwks::parse_key_set;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for algorithms in [&SigningAlgorithm::ALL[..], &[SigningAlgorithm::RS256][..]] {
        let Ok(keys) = parse_key_set(&document, algorithms) else { continue };
        assert!(!keys.is_empty(), "an empty key set is an error, not a success");
        for (kid, key) in &keys {
            assert_eq!(kid, key.kid());
            for &alg in &SigningAlgorithm::ALL {
                assert!(key.verify(alg, b"header.payload", b"not a signature").is_err());
            }
        }
    }
});

//! PKCE (RFC 7636) with `S256` only: the shapes of a challenge and a verifier, and the check
//! that one answers the other.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::common::{is_sha256_digest, secrets_match};

/// An S256 challenge: a SHA-256 digest in base64url without padding, exactly 43 characters.
pub(super) fn is_challenge(challenge: &str) -> bool {
    is_sha256_digest(challenge)
}

/// A verifier: 43 to 128 unreserved characters (RFC 7636 section 4.1).
pub(super) fn is_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is the one `challenge` was made from.
pub(super) fn verifies(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    secrets_match(&computed, challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_rfc_7636() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_verifier(verifier) && is_challenge(challenge) && verifies(verifier, challenge));
        assert!(!verifies("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", challenge));
        for bad in [
            "x",
            &challenge[..42],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c=",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
        ] {
            assert!(!is_challenge(bad), "{bad}");
        }
        for bad in ["x".to_owned(), "a".repeat(42), "a".repeat(129), format!("{}!", "a".repeat(43))] {
            assert!(!is_verifier(&bad), "{bad}");
        }
        assert!(is_verifier(&"~".repeat(128)));
    }
}

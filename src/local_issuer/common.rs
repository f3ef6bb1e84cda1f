//! The few things every part of the issuer needs, written once: random ids, the clock, locks and
//! the comparison of secrets.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::{digest, rand};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// 128 random bits, base64url: `jti`, codes, session cookies, `sid`, CSP nonces.
pub(super) fn random_id() -> String {
    // Fails closed: without the system's randomness every code, cookie and token would be guessable.
    let bytes: [u8; 16] =
        rand::generate(&rand::SystemRandom::new()).map(|random| random.expose()).expect("the system's random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seconds since the Unix epoch, for `iat`, `exp` and `auth_time`.
pub(super) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs())
}

/// A SHA-256 digest in base64url without padding, exactly 43 characters: a PKCE S256 challenge,
/// a JWK thumbprint (`dpop_jkt`).
pub(super) fn is_sha256_digest(text: &str) -> bool {
    text.len() == 43 && URL_SAFE_NO_PAD.decode(text).is_ok_and(|digest| digest.len() == 32)
}

/// Locks `mutex`; a panic elsewhere while it was held leaves data that is still consistent
/// (every store operation completes or does nothing), so the lock is taken over.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Compares secrets in time independent of where they differ: both are hashed first, so the
/// comparison sees equal-length digests, and those are compared in constant time.
pub(super) fn secrets_match(given: &str, expected: &str) -> bool {
    let given = digest::digest(&digest::SHA256, given.as_bytes());
    let expected = digest::digest(&digest::SHA256, expected.as_bytes());
    #[allow(deprecated)]
    aws_lc_rs::constant_time::verify_slices_are_equal(given.as_ref(), expected.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{random_id, secrets_match};
    use crate::config::defaults;

    /// `secrets_match` goes through `aws_lc_rs::constant_time` on equal-length digests, so its
    /// time does not depend on where two secrets differ; timing is not measured here, only that
    /// the comparison decides correctly whatever the lengths.
    #[test]
    fn secrets_match_only_when_equal_whatever_their_lengths() {
        let expected = defaults::DEMO_ADMIN_SECRET;
        let cases = [
            ("demo-admin-secret", true),
            ("Demo-admin-secret", false),
            ("demo-admin-secreT", false),
            ("demo-admin-secre", false),
            ("demo-admin-secret ", false),
            ("demo-admin-secretdemo-admin-secret", false),
            ("", false),
        ];
        for (given, matches) in cases {
            assert_eq!(secrets_match(given, expected), matches, "{given:?}");
        }
        assert!(secrets_match("", ""));
    }

    #[test]
    fn random_ids_are_22_characters_and_differ() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
    }
}

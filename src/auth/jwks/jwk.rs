//! JWKs (RFC 7517) into verifying keys: what makes a key usable, and which algorithms it serves.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::FetchError;
use crate::auth::algorithm::{KeyKind, SigningAlgorithm};

/// A public key from the key set, parsed once for each accepted algorithm it can serve.
pub struct VerifyingKey {
    kid: String,
    fingerprint: digest::Digest,
    verifiers: Vec<(SigningAlgorithm, ParsedPublicKey)>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algorithms: Vec<_> = self.verifiers.iter().map(|(alg, _)| alg.name()).collect();
        f.debug_struct("VerifyingKey").field("kid", &self.kid).field("algorithms", &algorithms).finish()
    }
}

/// Why a signature was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The key's type, curve or `alg` does not fit the token's algorithm.
    KeyMismatch,
    /// The signature does not verify.
    Invalid,
}

impl VerifyingKey {
    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Whether `other` has the same `kid` and key material.
    pub(super) fn same_material(&self, other: &Self) -> bool {
        self.fingerprint.as_ref() == other.fingerprint.as_ref()
    }

    /// Checks `signature` over `message` with `algorithm`.
    pub fn verify(&self, algorithm: SigningAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let (_, key) = self.verifiers.iter().find(|(alg, _)| *alg == algorithm).ok_or(SignatureError::KeyMismatch)?;
        key.verify_sig(message, signature).map_err(|_| SignatureError::Invalid)
    }
}

/// The usable keys of a key-set document, by `kid`. Unusable keys are skipped (and logged at
/// debug); a document with none left is an error, so that the last good keys stay in use.
pub fn parse_key_set(
    document: &Value,
    algorithms: &[SigningAlgorithm],
) -> Result<HashMap<String, Arc<VerifyingKey>>, FetchError> {
    let entries =
        document.get("keys").and_then(Value::as_array).ok_or(FetchError::BadDocument("key set (no keys array)"))?;
    let mut keys = HashMap::new();
    let mut skipped = 0;
    for entry in entries {
        match parse_key(entry, algorithms) {
            Ok(key) if keys.contains_key(&key.kid) => {
                log::debug!("skipped a second key with kid {:?}", key.kid);
                skipped += 1;
            }
            Ok(key) => {
                keys.insert(key.kid.clone(), Arc::new(key));
            }
            Err(why) => {
                log::debug!("skipped a key: {why}");
                skipped += 1;
            }
        }
    }
    if keys.is_empty() {
        return Err(FetchError::NoUsableKeys(skipped));
    }
    Ok(keys)
}

/// The bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&byte| byte != 0) {
        Some(first) => (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize,
        None => 0,
    }
}

/// One JWK (RFC 7517) as a verifying key for the accepted algorithms it fits.
fn parse_key(jwk: &Value, algorithms: &[SigningAlgorithm]) -> Result<VerifyingKey, &'static str> {
    let text = |name| jwk.get(name).and_then(Value::as_str);
    let kid = text("kid").filter(|kid| !kid.is_empty() && kid.len() <= 512).ok_or("no usable kid")?;
    if jwk.get("use").is_some_and(|usage| usage != "sig") {
        return Err("use is not sig");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !verifies {
            return Err("key_ops does not allow verify");
        }
    }
    let key_alg = match jwk.get("alg") {
        None => None,
        Some(alg) => Some(alg.as_str().and_then(SigningAlgorithm::from_name).ok_or("alg is not usable")?),
    };
    let b64 = |name| -> Result<Vec<u8>, &'static str> {
        let value = text(name).ok_or("a key parameter is missing")?;
        URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).map_err(|_| "a key parameter is not base64url")
    };
    let (kind, material) = match (text("kty"), text("crv")) {
        (Some("RSA"), _) => {
            let n = b64("n")?;
            // aws-lc parses any modulus but verifies only with 2048–8192 bits: a smaller or larger
            // key would pass as usable, take its `kid`, and replace the last good keys.
            if !(2048..=8192).contains(&bit_length(&n)) {
                return Err("RSA modulus is not 2048 to 8192 bits");
            }
            (KeyKind::Rsa, [n, b64("e")?])
        }
        (Some("EC"), Some("P-256")) => (KeyKind::P256, [b64("x")?, b64("y")?]),
        (Some("EC"), Some("P-384")) => (KeyKind::P384, [b64("x")?, b64("y")?]),
        (Some("OKP"), Some("Ed25519")) => (KeyKind::Ed25519, [b64("x")?, Vec::new()]),
        _ => return Err("kty or crv is not supported"),
    };

    let mut verifiers = Vec::new();
    for &alg in algorithms.iter().filter(|alg| alg.key_kind() == kind && key_alg.is_none_or(|key_alg| key_alg == **alg))
    {
        let parsed = match kind {
            KeyKind::Rsa => {
                let params = alg.rsa_parameters().ok_or("no RSA parameters")?;
                PublicKeyComponents { n: &material[0], e: &material[1] }
                    .to_parsed_public_key(params)
                    .map_err(|_| "RSA numbers are not a usable key")?
            }
            KeyKind::P256 | KeyKind::P384 => {
                let size = if kind == KeyKind::P256 { 32 } else { 48 };
                if material[0].len() != size || material[1].len() != size {
                    return Err("EC coordinates have the wrong length");
                }
                let point = [&[4u8][..], &material[0], &material[1]].concat();
                ParsedPublicKey::new(alg.curve_algorithm().ok_or("no curve")?, point)
                    .map_err(|_| "EC point is not on the curve")?
            }
            KeyKind::Ed25519 => ParsedPublicKey::new(alg.curve_algorithm().ok_or("no curve")?, &material[0])
                .map_err(|_| "Ed25519 key is not usable")?,
        };
        verifiers.push((alg, parsed));
    }
    if verifiers.is_empty() {
        return Err("fits no accepted algorithm");
    }

    let mut context = digest::Context::new(&digest::SHA256);
    for part in [kid.as_bytes(), &material[0], &material[1]] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    Ok(VerifyingKey { kid: kid.to_owned(), fingerprint: context.finish(), verifiers })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_key_set_without_a_usable_key_is_refused() {
        let rsa_2047_bits = URL_SAFE_NO_PAD.encode([&[0x7f][..], &[0xff; 255]].concat());
        let rsa_8200_bits = URL_SAFE_NO_PAD.encode([0xff; 1025]);
        let unusable = [
            json!({ "keys": [] }),
            json!({ "keys": "none" }),
            json!({}),
            json!({ "keys": [{ "kty": "oct", "kid": "h", "k": "c2VjcmV0" }] }),
            // Found by the unit test that came with the fuzz targets: a 17-bit modulus was a
            // "usable" key, so such a key set replaced the last good keys.
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": rsa_2047_bits.clone(), "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": rsa_8200_bits, "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "EC", "crv": "P-256", "kid": "e", "x": "AA", "y": "AA" }] }),
            json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": "", "x": "AA" }] }),
        ];
        for document in unusable {
            assert!(parse_key_set(&document, &SigningAlgorithm::ALL).is_err(), "{document}");
        }
    }

    #[test]
    fn bit_length_counts_from_the_first_set_bit() {
        for (bytes, bits) in
            [(&[][..], 0), (&[0, 0][..], 0), (&[1][..], 1), (&[0, 0x80, 0][..], 16), (&[0x7f, 0xff][..], 15)]
        {
            assert_eq!(bit_length(bytes), bits, "{bytes:?}");
        }
    }
}

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

    /// Whether `other` has the same `kid`, key material and algorithms it may verify: a key
    /// republished with another `alg`, `use` or `key_ops` is another key.
    pub(super) fn same_key(&self, other: &Self) -> bool {
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

/// The Ed25519 points of small order (RFC 8032 encodings, sign bit cleared): the identity, the
/// point of order 2, the two of order 4 (y = 0), the four of order 8, and the non-canonical
/// encodings y = p (0) and y = p + 1 (1). With either sign bit these are every encoding of a
/// point of order 1, 2, 4 or 8 (libsodium's list).
const ED25519_SMALL_ORDER: [[u8; 32]; 7] = {
    let mut points = [[0u8; 32]; 7];
    points[1][0] = 1;
    points[2] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ];
    points[3] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
        0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ];
    let mut i = 4;
    while i < 7 {
        points[i] = [0xff; 32];
        points[i][0] = 0xec + (i as u8 - 4); // p - 1, p, p + 1
        points[i][31] = 0x7f;
        i += 1;
    }
    points
};

/// Whether `x` encodes an Ed25519 point of small order, in any of its encodings.
fn has_small_order(x: &[u8]) -> bool {
    let Ok(mut point) = <[u8; 32]>::try_from(x) else { return false };
    point[31] &= 0x7f;
    ED25519_SMALL_ORDER.contains(&point)
}

/// One JWK (RFC 7517) as a verifying key for the accepted algorithms it fits.
fn parse_key(jwk: &Value, algorithms: &[SigningAlgorithm]) -> Result<VerifyingKey, &'static str> {
    let kid = signing_kid(jwk)?;
    let declared = declared_algorithm(jwk)?;
    let (kind, material) = key_material(jwk)?;
    let verifiers = verifiers(kind, &material, declared, algorithms)?;
    let fingerprint = fingerprint(kid, &material, &verifiers);
    Ok(VerifyingKey { kid: kid.to_owned(), fingerprint, verifiers })
}

/// The `kid` of a key meant for verifying signatures: `use` (if any) is `sig`, `key_ops` (if
/// any) allows `verify`.
fn signing_kid(jwk: &Value) -> Result<&str, &'static str> {
    let kid = jwk
        .get("kid")
        .and_then(Value::as_str)
        .filter(|kid| !kid.is_empty() && kid.len() <= 512)
        .ok_or("no usable kid")?;
    if jwk.get("use").is_some_and(|usage| usage != "sig") {
        return Err("use is not sig");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !verifies {
            return Err("key_ops does not allow verify");
        }
    }
    Ok(kid)
}

/// The key's own `alg`, when it names one: the key then serves that algorithm only.
fn declared_algorithm(jwk: &Value) -> Result<Option<SigningAlgorithm>, &'static str> {
    match jwk.get("alg") {
        None => Ok(None),
        Some(alg) => alg.as_str().and_then(SigningAlgorithm::from_name).map(Some).ok_or("alg is not usable"),
    }
}

/// A parsed key for each accepted algorithm that fits the key's kind and its declared `alg`.
fn verifiers(
    kind: KeyKind,
    material: &[Vec<u8>; 2],
    declared: Option<SigningAlgorithm>,
    algorithms: &[SigningAlgorithm],
) -> Result<Vec<(SigningAlgorithm, ParsedPublicKey)>, &'static str> {
    let fits = |alg: &&SigningAlgorithm| alg.key_kind() == kind && declared.is_none_or(|declared| declared == **alg);
    let verifiers = algorithms
        .iter()
        .filter(fits)
        .map(|&alg| Ok((alg, public_key(kind, material, alg)?)))
        .collect::<Result<Vec<_>, &'static str>>()?;
    if verifiers.is_empty() {
        return Err("fits no accepted algorithm");
    }
    Ok(verifiers)
}

/// The key's identity. It covers what the key may verify, not only its numbers: a key
/// republished with another `alg`, `use` or `key_ops` is a new key (docs/contract.md, "The key set").
fn fingerprint(
    kid: &str,
    material: &[Vec<u8>; 2],
    verifiers: &[(SigningAlgorithm, ParsedPublicKey)],
) -> digest::Digest {
    let algorithm_names = verifiers.iter().map(|(alg, _)| alg.name()).collect::<Vec<_>>().join(",");
    let mut context = digest::Context::new(&digest::SHA256);
    for part in [kid.as_bytes(), &material[0], &material[1], algorithm_names.as_bytes()] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    context.finish()
}

/// A JWK's key type and numbers (RSA `n`, `e`; EC `x`, `y`; OKP `x` and nothing), with the checks
/// that make a key unusable whatever it would verify. Used for key-set keys and DPoP proof keys.
pub(crate) fn key_material(jwk: &Value) -> Result<(KeyKind, [Vec<u8>; 2]), &'static str> {
    let text = |name| jwk.get(name).and_then(Value::as_str);
    let b64 = |name| -> Result<Vec<u8>, &'static str> {
        let value = text(name).ok_or("a key parameter is missing")?;
        URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).map_err(|_| "a key parameter is not base64url")
    };
    let pair = match (text("kty"), text("crv")) {
        (Some("RSA"), _) => (KeyKind::Rsa, checked_rsa(b64("n")?, b64("e")?)?),
        (Some("EC"), Some("P-256")) => (KeyKind::P256, [b64("x")?, b64("y")?]),
        (Some("EC"), Some("P-384")) => (KeyKind::P384, [b64("x")?, b64("y")?]),
        (Some("OKP"), Some("Ed25519")) => {
            let x = b64("x")?;
            // A small-order key verifies a signature with R = identity and S = 0 over any message.
            if has_small_order(&x) {
                return Err("Ed25519 key has small order");
            }
            (KeyKind::Ed25519, [x, Vec::new()])
        }
        _ => return Err("kty or crv is not supported"),
    };
    Ok(pair)
}

/// RSA numbers `[n, e]` that aws-lc will really verify with, and that are a permutation.
fn checked_rsa(n: Vec<u8>, e: Vec<u8>) -> Result<[Vec<u8>; 2], &'static str> {
    // aws-lc parses any modulus but verifies only with 2048–8192 bits: a smaller or larger key
    // would pass as usable, take its `kid`, and replace the last good keys.
    if !(2048..=8192).contains(&bit_length(&n)) {
        return Err("RSA modulus is not 2048 to 8192 bits");
    }
    // e = 1 makes every "signature" its own message; an even e is no permutation.
    if bit_length(&e) < 2 || e.last().is_none_or(|low| low % 2 == 0) {
        return Err("RSA exponent is even or below 3");
    }
    Ok([n, e])
}

/// The numbers of [`key_material`] as a key that verifies `alg` (which must fit `kind`).
pub(crate) fn public_key(
    kind: KeyKind,
    material: &[Vec<u8>; 2],
    alg: SigningAlgorithm,
) -> Result<ParsedPublicKey, &'static str> {
    Ok(match kind {
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
    })
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

    /// Every encoding of every Ed25519 point of order 1, 2, 4 or 8 (both sign bits; y = p and
    /// y = p + 1 stand for 0 and 1), written out rather than derived from the table under test.
    const SMALL_ORDER_ED25519: [&str; 14] = [
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // identity
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA", // identity, sign bit set
        "7P_______________________________________38", // order 2 (y = p - 1)
        "7P________________________________________8", // order 2, sign bit set
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // order 4 (y = 0)
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA", // order 4, the other one
        "JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU", // order 8
        "JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_IU", // order 8
        "xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o", // order 8
        "xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA_o", // order 8
        "7f_______________________________________38", // y = p: 0, non-canonical
        "7f________________________________________8", // y = p, sign bit set
        "7v_______________________________________38", // y = p + 1: 1, non-canonical
        "7v________________________________________8", // y = p + 1, sign bit set
    ];

    #[test]
    fn every_small_order_ed25519_encoding_is_skipped() {
        for x in SMALL_ORDER_ED25519 {
            let bytes = URL_SAFE_NO_PAD.decode(x).unwrap();
            assert_eq!(bytes.len(), 32, "{x}");
            assert!(has_small_order(&bytes), "{x}");
            let document = json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": "weak", "x": x }] });
            assert!(
                matches!(parse_key_set(&document, &SigningAlgorithm::ALL), Err(FetchError::NoUsableKeys(1))),
                "{x}"
            );
        }
        // A real key (RFC 8032, test 1) is kept.
        let real = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        assert!(!has_small_order(&URL_SAFE_NO_PAD.decode(real).unwrap()));
        let document = json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": "real", "x": real }] });
        assert!(parse_key_set(&document, &SigningAlgorithm::ALL).is_ok());
    }

    #[test]
    fn rsa_exponents_that_are_even_or_below_3_are_skipped() {
        let n = URL_SAFE_NO_PAD.encode([&[0xc1][..], &[0x5b; 255]].concat());
        let key = |e: &[u8]| json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": n, "e": URL_SAFE_NO_PAD.encode(e) }] });
        for e in [&[][..], &[0], &[1], &[2], &[0, 1], &[0, 2], &[4], &[1, 0, 0], &[1, 0, 0, 0, 0]] {
            assert!(
                matches!(parse_key_set(&key(e), &[SigningAlgorithm::RS256]), Err(FetchError::NoUsableKeys(1))),
                "{e:?}"
            );
        }
        for e in [&[3][..], &[1, 0, 1]] {
            assert!(parse_key_set(&key(e), &[SigningAlgorithm::RS256]).is_ok(), "{e:?}");
        }
    }

    #[test]
    fn a_key_republished_with_other_restrictions_is_another_key() {
        let n = URL_SAFE_NO_PAD.encode([&[0xc1][..], &[0x5b; 255]].concat());
        let parse = |extra: Value| {
            let mut jwk = json!({ "kty": "RSA", "kid": "r", "n": n, "e": "AQAB" });
            jwk.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            let keys = parse_key_set(&json!({ "keys": [jwk] }), &SigningAlgorithm::ALL).unwrap();
            Arc::clone(&keys["r"])
        };
        let unrestricted = parse(json!({}));
        assert!(unrestricted.same_key(&parse(json!({ "use": "sig", "key_ops": ["verify"] }))));
        for restricted in [json!({ "alg": "PS256" }), json!({ "alg": "RS256" })] {
            assert!(!unrestricted.same_key(&parse(restricted.clone())), "{restricted}");
        }
        assert!(!parse(json!({ "alg": "RS256" })).same_key(&parse(json!({ "alg": "PS256" }))));
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

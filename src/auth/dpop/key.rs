//! A proof's `jwk` header: a public key it must be, and its RFC 7638 thumbprint, the `jkt` a
//! bound token names in `cnf.jkt`.

use aws_lc_rs::digest;
use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::error::ProofError;
use crate::auth::algorithm::SigningAlgorithm;
use crate::auth::jwks::{key_material, public_key};

/// Members that only a private key has (RFC 7518 §6.2.2 and §6.3.2, RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The key that verifies a proof signed with `alg`, or why the `jwk` is not one.
pub(super) fn proof_key(jwk: &Map<String, Value>, alg: SigningAlgorithm) -> Result<ParsedPublicKey, ProofError> {
    if PRIVATE_MEMBERS.iter().any(|member| jwk.contains_key(*member)) {
        return Err(ProofError::PrivateKey);
    }
    let jwk = Value::Object(jwk.clone());
    let (kind, material) = key_material(&jwk).map_err(|_| ProofError::UnusableKey)?;
    if kind != alg.key_kind() {
        return Err(ProofError::UnusableKey);
    }
    public_key(kind, &material, alg).map_err(|_| ProofError::UnusableKey)
}

/// The RFC 7638 JWK SHA-256 thumbprint, base64url without padding: the SHA-256 of the key's
/// required members, in lexicographic order, as JSON without whitespace. `None` for a key type
/// this server does not verify.
pub(crate) fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let kty = jwk.get("kty")?.as_str()?;
    let required: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (index, name) in required.iter().enumerate() {
        let value = jwk.get(*name)?.as_str()?;
        if index > 0 {
            canonical.push(',');
        }
        // serde_json writes a string with the escapes RFC 7638 §3.3 asks for (RFC 8259, minimal).
        canonical.push_str(&Value::from(*name).to_string());
        canonical.push(':');
        canonical.push_str(&Value::from(value).to_string());
    }
    canonical.push('}');
    Some(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_thumbprint_of_rfc_7638_section_3_1_is_the_published_one() {
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        let jwk = jwk.as_object().unwrap();
        assert_eq!(thumbprint(jwk).as_deref(), Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    }

    #[test]
    fn a_key_type_without_required_members_has_no_thumbprint() {
        for jwk in [json!({"kty": "oct", "k": "c2VjcmV0"}), json!({"kty": "EC", "crv": "P-256", "x": "AA"})] {
            assert_eq!(thumbprint(jwk.as_object().unwrap()), None, "{jwk}");
        }
    }
}

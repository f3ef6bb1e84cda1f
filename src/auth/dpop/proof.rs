//! The proof check of RFC 9449 §4.3: pure, it takes the proof, what the request was, the policy
//! and the time, and needs no key set, store or network. The API and the local issuer's token
//! endpoint both call it; the replay check (a `jti` used once) is the caller's next step.

use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::error::ProofError;
use super::htu::normalise;
use super::key::{proof_key, thumbprint};
use crate::auth::algorithm::SigningAlgorithm;

/// Proofs longer than this are refused before any parsing (8 KiB: an RSA-8192 `jwk` and
/// signature fit; an ES256 proof is about 600 bytes).
pub(crate) const MAX_PROOF_BYTES: usize = 8 * 1024;
/// A longer `jti` is refused: it is remembered, and 256 bytes is ample for a random identifier.
pub(crate) const MAX_JTI_BYTES: usize = 256;

/// How proofs are checked (`DPOP_ALGORITHMS`, `DPOP_PROOF_SECONDS`, `CLOCK_SKEW_SECONDS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofPolicy {
    /// Accepted `alg` values: asymmetric only (default ES256).
    pub algorithms: Vec<SigningAlgorithm>,
    /// How old a proof's `iat` may be (default 300 s).
    pub window: Duration,
    /// Leeway for `iat`, both ways (the token leeway, default 5 s).
    pub leeway: Duration,
}

/// What the proof must be for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProofRequest<'a> {
    /// The request's method, e.g. `GET` (compared exactly, as methods are case-sensitive).
    pub method: &'a str,
    /// The request's absolute URL; query and fragment are ignored.
    pub url: &'a str,
    /// The access token the proof goes with: its hash must be the proof's `ath`. `None` at a
    /// token endpoint, where no token exists yet and `ath` is not checked.
    pub access_token: Option<&'a str>,
    /// The thumbprint the token is bound to (`cnf.jkt`), when there is a token.
    pub bound_key: Option<&'a str>,
}

/// An accepted proof: what the replay check and a token issuer need.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VerifiedProof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key (base64url).
    pub jkt: String,
    /// The proof's unique identifier.
    pub jti: String,
    /// When the proof was made, in seconds since the Unix epoch.
    pub iat: f64,
    /// When the proof leaves the window (`iat` + window + leeway): its `jti` must be remembered
    /// until then.
    pub expires_at: f64,
    /// Whether the proof names an access token (`ath`): a token endpoint refuses such a proof.
    pub names_a_token: bool,
}

/// Checks `proof` for `request` under `policy` at `now` (seconds since the Unix epoch).
pub(crate) fn check_proof(
    proof: &str,
    request: &ProofRequest<'_>,
    policy: &ProofPolicy,
    now: f64,
) -> Result<VerifiedProof, ProofError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Malformed);
    }
    let (signed, signature) = proof.rsplit_once('.').ok_or(ProofError::Malformed)?;
    let (header, payload) = signed.split_once('.').ok_or(ProofError::Malformed)?;
    if payload.contains('.') {
        return Err(ProofError::Malformed);
    }
    let header = json_object(header)?;
    let typ = header.get("typ").and_then(Value::as_str);
    if !typ.is_some_and(|typ| typ.eq_ignore_ascii_case("dpop+jwt")) {
        return Err(ProofError::WrongType);
    }
    // The list comes from configuration; the proof only picks from it (`none`, `HS*` never pass).
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(SigningAlgorithm::from_name)
        .filter(|alg| policy.algorithms.contains(alg))
        .ok_or(ProofError::AlgorithmNotAccepted)?;
    if header.contains_key("crit") {
        return Err(ProofError::Malformed);
    }
    let jwk = header.get("jwk").and_then(Value::as_object).ok_or(ProofError::UnusableKey)?;
    let key = proof_key(jwk, alg)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| ProofError::Malformed)?;
    key.verify_sig(signed.as_bytes(), &signature).map_err(|_| ProofError::BadSignature)?;

    let claims = json_object(payload)?;
    let text = |name| match claims.get(name) {
        None => Err(ProofError::MissingClaims),
        Some(value) => value.as_str().ok_or(ProofError::Malformed),
    };
    let jti = text("jti")?;
    if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
        return Err(ProofError::Malformed);
    }
    let (htm, htu) = (text("htm")?, text("htu")?);
    let iat = match claims.get("iat") {
        None => return Err(ProofError::MissingClaims),
        Some(iat) => iat.as_f64().ok_or(ProofError::Malformed)?,
    };
    if htm != request.method {
        return Err(ProofError::WrongMethod);
    }
    let expected_url = normalise(request.url).ok_or(ProofError::WrongUrl)?;
    if normalise(htu).is_none_or(|htu| htu != expected_url) {
        return Err(ProofError::WrongUrl);
    }
    let (window, leeway) = (policy.window.as_secs_f64(), policy.leeway.as_secs_f64());
    if iat > now + leeway || iat < now - window - leeway {
        return Err(ProofError::OutOfWindow);
    }
    if let Some(token) = request.access_token {
        let ath = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()));
        if claims.get("ath").and_then(Value::as_str) != Some(ath.as_str()) {
            return Err(ProofError::WrongToken);
        }
    }
    let jkt = thumbprint(jwk).ok_or(ProofError::UnusableKey)?;
    if request.bound_key.is_some_and(|bound| bound != jkt) {
        return Err(ProofError::WrongKey);
    }
    let names_a_token = claims.contains_key("ath");
    Ok(VerifiedProof { jkt, jti: jti.to_owned(), iat, expires_at: iat + window + leeway, names_a_token })
}

/// A base64url (no padding) segment holding a JSON object.
fn json_object(segment: &str) -> Result<Map<String, Value>, ProofError> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| ProofError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)
}

#[cfg(test)]
mod tests {
    //! The check as a token endpoint uses it (no token yet); every refusal is tested end to end
    //! with proofs from another library in tests/api/dpop.rs.
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    use serde_json::json;

    use super::*;

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn proof(claims: &Value) -> (String, String) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) });
        let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": jwk });
        let signed = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = pair.sign(&rng, signed.as_bytes()).unwrap();
        (format!("{signed}.{}", b64(signature)), thumbprint(jwk.as_object().unwrap()).unwrap())
    }

    #[test]
    fn at_a_token_endpoint_no_ath_is_needed_and_the_key_is_returned() {
        let policy = ProofPolicy {
            algorithms: vec![SigningAlgorithm::ES256],
            window: Duration::from_secs(300),
            leeway: Duration::from_secs(5),
        };
        let url = "http://localhost:6061/oauth/token";
        let (proof, jkt) = proof(&json!({ "jti": "j1", "htm": "POST", "htu": url, "iat": 1000 }));
        let request = ProofRequest { method: "POST", url, access_token: None, bound_key: None };
        let verified = check_proof(&proof, &request, &policy, 1010.0).unwrap();
        assert_eq!(
            verified,
            VerifiedProof { jkt, jti: "j1".into(), iat: 1000.0, expires_at: 1305.0, names_a_token: false }
        );
        assert_eq!(check_proof(&proof, &request, &policy, 1306.0), Err(ProofError::OutOfWindow));
        let get = ProofRequest { method: "GET", ..request };
        assert_eq!(check_proof(&proof, &get, &policy, 1010.0), Err(ProofError::WrongMethod));
    }
}

//! `hello-client --dpop`: an ES256 key made for this run, and a fresh proof (RFC 9449) for each
//! request: at the token endpoint (`htm` POST, no `ath`) and at the API (with `ath`).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A P-256 key held in memory for one run; it never leaves the process.
pub struct ProofKey {
    pair: EcdsaKeyPair,
    jwk: Value,
    rng: SystemRandom,
}

impl std::fmt::Debug for ProofKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofKey").field("jwk", &self.jwk).finish()
    }
}

impl ProofKey {
    /// A new key.
    pub fn generate() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "cannot make a DPoP key".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .map_err(|_| "cannot load the DPoP key".to_owned())?;
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        Ok(Self { pair, jwk, rng })
    }

    /// A proof for `method url` (query and fragment left out), bound to `access_token` when given.
    pub fn proof(&self, method: &str, url: &url::Url, access_token: Option<&str>) -> Result<String, String> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut jti = [0u8; 16];
        self.rng.fill(&mut jti).map_err(|_| "no randomness for a DPoP proof".to_owned())?;
        let iat = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs());
        let mut claims = json!({ "jti": URL_SAFE_NO_PAD.encode(jti), "htm": method, "htu": htu.as_str(), "iat": iat });
        if let Some(token) = access_token {
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes())));
        }
        let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk });
        let signed =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature =
            self.pair.sign(&self.rng, signed.as_bytes()).map_err(|_| "cannot sign a DPoP proof".to_owned())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::SigningAlgorithm;
    use crate::auth::dpop::{ProofPolicy, ProofRequest, check_proof, thumbprint};

    #[test]
    fn its_proofs_pass_the_servers_check_for_their_request_only() {
        let key = ProofKey::generate().unwrap();
        let url = url::Url::parse("http://127.0.0.1:6060/api/messages/admin?x=1").unwrap();
        let proof = key.proof("GET", &url, Some("token")).unwrap();
        let policy = ProofPolicy {
            algorithms: vec![SigningAlgorithm::ES256],
            window: std::time::Duration::from_secs(300),
            leeway: std::time::Duration::from_secs(5),
        };
        let jkt = thumbprint(key.jwk.as_object().unwrap()).unwrap();
        let now = crate::auth::unix_seconds(SystemTime::now());
        let request =
            ProofRequest { method: "GET", url: url.as_str(), access_token: Some("token"), bound_key: Some(&jkt) };
        assert_eq!(check_proof(&proof, &request, &policy, now).unwrap().jkt, jkt);
        let other = ProofRequest { access_token: Some("other"), ..request };
        assert!(check_proof(&proof, &other, &policy, now).is_err());
    }
}

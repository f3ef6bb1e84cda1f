//! DPoP proofs made in the tests with jsonwebtoken (an independent JOSE library), never with the
//! crate's own code; thumbprints computed here by hand (RFC 7638: canonical JSON, SHA-256).

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{b64, now};

/// A DPoP key made in the test: its private key for jsonwebtoken and its public JWK.
pub struct DpopKey {
    alg: Algorithm,
    encoding: EncodingKey,
    pub jwk: Value,
}

impl DpopKey {
    pub fn es256() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        Self {
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) }),
        }
    }

    pub fn ed25519() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Self {
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            jwk: json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) }),
        }
    }

    /// The RFC 7638 thumbprint, by hand: the required members in lexicographic order, no spaces.
    pub fn jkt(&self) -> String {
        let j = |name: &str| self.jwk[name].as_str().unwrap().to_owned();
        let canonical = match j("kty").as_str() {
            "EC" => format!(r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#, j("crv"), j("x"), j("y")),
            _ => format!(r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#, j("crv"), j("x")),
        };
        b64(digest::digest(&digest::SHA256, canonical.as_bytes()))
    }

    /// A proof with the usual header (`typ: dpop+jwt`, `alg`, `jwk`), through `jsonwebtoken::encode`.
    pub fn proof(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(serde_json::from_value(self.jwk.clone()).unwrap());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }

    /// A proof with exactly this header, signed with this key (jsonwebtoken's signer).
    pub fn proof_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg).unwrap();
        format!("{message}.{signature}")
    }

    pub fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": format!("{:?}", self.alg), "jwk": self.jwk })
    }
}

/// A random `jti`.
pub fn jti() -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).unwrap();
    b64(bytes)
}

/// Proof claims for `method url`, with `ath` for `token`.
pub fn proof_claims(method: &str, url: &str, token: Option<&str>) -> Value {
    let mut claims = json!({ "jti": jti(), "htm": method, "htu": url, "iat": now() });
    if let Some(token) = token {
        claims["ath"] = json!(b64(digest::digest(&digest::SHA256, token.as_bytes())));
    }
    claims
}

//! Keys made in the test, and the tokens they sign.

use std::sync::LazyLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use base64::Engine as _;

use crate::{AUDIENCE, b64, now};

/// A private key made in the test, with its public JWK.
#[derive(Clone)]
pub struct Signer {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    /// The public JWK without `kid`/`alg` (added by [`Signer::jwk`]).
    public: Value,
    /// RSA only: the public key as PEM, for the algorithm-confusion test.
    pub public_pem: Option<String>,
    /// The private key as PKCS#8 PEM, for signing with another library (tests/interop/pyjwt.rs).
    pub private_pem: String,
}

struct RsaMaterial {
    pkcs8: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
    spki: Vec<u8>,
}

/// RSA key generation is the slow part; a few keys serve the whole test binary.
static RSA_KEYS: LazyLock<Vec<RsaMaterial>> = LazyLock::new(|| {
    (0..3)
        .map(|_| {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let public = pair.public_key();
            RsaMaterial {
                pkcs8: pair.as_der().unwrap().as_ref().to_vec(),
                n: public.modulus().big_endian_without_leading_zero().to_vec(),
                e: public.exponent().big_endian_without_leading_zero().to_vec(),
                spki: AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(public).unwrap().as_ref().to_vec(),
            }
        })
        .collect()
});

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

impl Signer {
    /// RSA key number `index` (0..3) under `kid`, signing with `alg` (RS*/PS*).
    pub fn rsa(index: usize, kid: &str, alg: Algorithm) -> Self {
        let material = &RSA_KEYS[index];
        let private_pem = pem("PRIVATE KEY", &material.pkcs8);
        let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
        Self {
            kid: kid.into(),
            alg,
            encoding,
            public: json!({ "kty": "RSA", "n": b64(&material.n), "e": b64(&material.e) }),
            public_pem: Some(pem("PUBLIC KEY", &material.spki)),
            private_pem,
        }
    }

    /// A fresh P-256 key (ES256).
    pub fn es256(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        Self {
            kid: kid.into(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public: json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) }),
            public_pem: None,
            // PKCS#8 v1: Python's cryptography refuses the v2 form that carries the public key too.
            private_pem: pem("PRIVATE KEY", pair.to_pkcs8v1().unwrap().as_ref()),
        }
    }

    /// A fresh Ed25519 key (EdDSA).
    pub fn ed25519(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Self {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            public: json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) }),
            public_pem: None,
            private_pem: pem("PRIVATE KEY", pair.to_pkcs8v1().unwrap().as_ref()),
        }
    }

    /// The public JWK as a key set publishes it: `kid`, `use: sig` and `alg`.
    pub fn jwk(&self) -> Value {
        let mut jwk = self.public.clone();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(format!("{:?}", self.alg));
        jwk
    }

    /// The public JWK with only `kty` and key material, plus `kid`.
    pub fn bare_jwk(&self) -> Value {
        let mut jwk = self.public.clone();
        jwk["kid"] = json!(self.kid);
        jwk
    }

    /// A token with the usual header (`alg`, `typ: JWT`, `kid`).
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": format!("{:?}", self.alg), "typ": "JWT", "kid": self.kid });
        self.sign_raw(&header, claims.to_string().as_bytes())
    }

    /// A token with exactly this header and payload bytes, signed with this key.
    pub fn sign_raw(&self, header: &Value, payload: &[u8]) -> String {
        let message = format!("{}.{}", b64(header.to_string()), b64(payload));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, self.alg).unwrap();
        format!("{message}.{signature}")
    }
}

/// Claims that pass every check against `issuer`, granting `permissions`.
pub fn claims(issuer: &str, permissions: &[&str]) -> Value {
    let now = now();
    json!({
        "iss": issuer,
        "sub": "test-user",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "permissions": permissions,
    })
}

/// `claims` with `changes` merged in (a `null` removes the claim).
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

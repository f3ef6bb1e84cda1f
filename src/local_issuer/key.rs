//! The local issuer's RSA signing key: generated once, kept in a git-ignored PEM file.

use std::io::Write as _;
use std::path::Path;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not an RSA private key in PKCS#8 PEM.
    #[error("{0}: is not an RSA private key in PKCS#8 PEM (delete it to have a new one made)")]
    NotAKey(String),
    /// The system could not generate a key.
    #[error("could not generate an RSA key")]
    Generate,
}

/// An RS256 signing key with its public JWK and RFC 7638 thumbprint as `kid`.
pub struct SigningKey {
    kid: String,
    encoding: jsonwebtoken::EncodingKey,
    public_jwk: Value,
}

impl SigningKey {
    /// Loads the key at `path`, or generates a 2048-bit one and saves it there (mode 0600).
    pub(crate) fn load_or_create(path: &Path) -> Result<Self, KeyFileError> {
        let shown = path.display().to_string();
        let io = |source| KeyFileError::Io { path: shown.clone(), source };
        match std::fs::read_to_string(path) {
            Ok(pem) => return Self::from_pem(&pem).ok_or_else(|| KeyFileError::NotAKey(shown.clone())),
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(io(err)),
            Err(_) => {}
        }
        let pem = generate_pem()?;
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Write aside, then link into place: another process starting at the same moment either
        // wins (and we read its key) or loses, and nobody ever reads a half-written file.
        let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&temporary).and_then(|mut file| file.write_all(pem.as_bytes()));
        let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match linked {
            Ok(()) => log::info!("generated a new local issuer signing key in {shown}"),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                let pem = std::fs::read_to_string(path).map_err(io)?;
                return Self::from_pem(&pem).ok_or(KeyFileError::NotAKey(shown));
            }
            Err(err) => return Err(io(err)),
        }
        Self::from_pem(&pem).ok_or(KeyFileError::NotAKey(shown))
    }

    /// A key from PKCS#8 PEM text.
    pub fn from_pem(pem: &str) -> Option<Self> {
        let base64: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let der = STANDARD.decode(base64.trim()).ok()?;
        let pair = KeyPair::from_pkcs8(&der).ok()?;
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        // RFC 7638: the SHA-256 of the required members, in lexicographic order, without spaces.
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()));
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).ok()?;
        let public_jwk = json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e });
        Some(Self { kid, encoding, public_jwk })
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// Signs `claims` as an RS256 access token with this key's `kid` and `typ: at+jwt` (RFC 9068).
    pub fn sign_access_token(&self, claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }
}

/// A new 2048-bit RSA key as PKCS#8 PEM.
pub fn generate_pem() -> Result<String, KeyFileError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyFileError::Generate)?;
    let der = pair.as_der().map_err(|_| KeyFileError::Generate)?;
    let base64 = STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    Ok(pem)
}

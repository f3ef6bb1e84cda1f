//! The signature algorithms a token may be verified with: asymmetric ones only.

use aws_lc_rs::signature::{self, VerificationAlgorithm};

/// An accepted JWS algorithm. `none` and the `HS*` family cannot be represented at all, so no
/// configuration or token can ever make the server verify a token with a shared secret.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

/// The kind of public key an algorithm needs (a JWK's `kty`, plus `crv` where it matters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// `kty` `RSA`.
    Rsa,
    /// `kty` `EC`, `crv` `P-256`.
    P256,
    /// `kty` `EC`, `crv` `P-384`.
    P384,
    /// `kty` `OKP`, `crv` `Ed25519`.
    Ed25519,
}

impl SigningAlgorithm {
    /// Every accepted algorithm, in the order docs/configuration.md lists them.
    pub const ALL: [SigningAlgorithm; 9] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// The JOSE name, exactly as a token header carries it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// The algorithm with exactly this JOSE name (names in tokens are case-sensitive).
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The algorithm with this name in any case (for configuration, which people type).
    pub(crate) fn from_name_ignore_case(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name().eq_ignore_ascii_case(name))
    }

    /// The key this algorithm needs.
    pub(crate) fn key_kind(self) -> KeyKind {
        match self {
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512 => KeyKind::Rsa,
            Self::ES256 => KeyKind::P256,
            Self::ES384 => KeyKind::P384,
            Self::EdDSA => KeyKind::Ed25519,
        }
    }

    /// aws-lc-rs's verification parameters for RSA algorithms (2048 to 8192-bit moduli).
    pub(crate) fn rsa_parameters(self) -> Option<&'static signature::RsaParameters> {
        Some(match self {
            Self::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Self::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Self::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }

    /// aws-lc-rs's verification algorithm for the elliptic-curve algorithms (JWS uses fixed-size signatures).
    pub(crate) fn curve_algorithm(self) -> Option<&'static dyn VerificationAlgorithm> {
        Some(match self {
            Self::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            Self::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            Self::EdDSA => &signature::ED25519,
            _ => return None,
        })
    }
}

impl std::fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

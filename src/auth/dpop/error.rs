//! Why a DPoP proof is refused: one variant per check of docs/dpop.md, "The checks", each with a
//! stable code (metrics labels, logs) and a fixed phrase (the `error_description` clients read).

/// Why a proof is not accepted. The phrase never repeats a claim value or the proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ProofError {
    /// No `DPoP` header with the DPoP scheme.
    #[error("proof is missing")]
    Missing,
    /// More than one `DPoP` header.
    #[error("only one proof is allowed")]
    Multiple,
    /// Not a compact JWS of JSON objects, too large, or a claim of the wrong type.
    #[error("proof is malformed")]
    Malformed,
    /// The header's `typ` is not `dpop+jwt`.
    #[error("proof type is not dpop+jwt")]
    WrongType,
    /// `alg` missing, symmetric, `none`, or not in `DPOP_ALGORITHMS`.
    #[error("proof algorithm is not accepted")]
    AlgorithmNotAccepted,
    /// No `jwk` header, or one that is no public key for the algorithm.
    #[error("proof key is not usable")]
    UnusableKey,
    /// The `jwk` carries private key members (`d`, `p`, `q`, …).
    #[error("proof key is not public")]
    PrivateKey,
    /// The signature does not verify with the `jwk`.
    #[error("proof signature is invalid")]
    BadSignature,
    /// `jti`, `htm`, `htu` or `iat` is missing.
    #[error("proof claims are missing")]
    MissingClaims,
    /// `htm` is not the request's method.
    #[error("proof is for another method")]
    WrongMethod,
    /// `htu` is not the request's URL (query and fragment ignored).
    #[error("proof is for another URL")]
    WrongUrl,
    /// `iat` is older than the window or in the future (beyond the leeway).
    #[error("proof is outside its time window")]
    OutOfWindow,
    /// `ath` is missing or is not the hash of the access token.
    #[error("proof is for another token")]
    WrongToken,
    /// The proof's key is not the one the token is bound to (`cnf.jkt`).
    #[error("proof key is not the token's")]
    WrongKey,
    /// The proof's `jti` was seen before, within the window.
    #[error("proof was already used")]
    Reused,
}

impl ProofError {
    /// Every variant, for tests and documentation.
    pub const ALL: [ProofError; 15] = [
        Self::Missing,
        Self::Multiple,
        Self::Malformed,
        Self::WrongType,
        Self::AlgorithmNotAccepted,
        Self::UnusableKey,
        Self::PrivateKey,
        Self::BadSignature,
        Self::MissingClaims,
        Self::WrongMethod,
        Self::WrongUrl,
        Self::OutOfWindow,
        Self::WrongToken,
        Self::WrongKey,
        Self::Reused,
    ];

    /// The stable code: the phrase with `_` for spaces, written out so that rewording a phrase
    /// is a deliberate change here, never a silent rename of a metric label.
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "proof_is_missing",
            Self::Multiple => "only_one_proof_is_allowed",
            Self::Malformed => "proof_is_malformed",
            Self::WrongType => "proof_type_is_not_dpop+jwt",
            Self::AlgorithmNotAccepted => "proof_algorithm_is_not_accepted",
            Self::UnusableKey => "proof_key_is_not_usable",
            Self::PrivateKey => "proof_key_is_not_public",
            Self::BadSignature => "proof_signature_is_invalid",
            Self::MissingClaims => "proof_claims_are_missing",
            Self::WrongMethod => "proof_is_for_another_method",
            Self::WrongUrl => "proof_is_for_another_URL",
            Self::OutOfWindow => "proof_is_outside_its_time_window",
            Self::WrongToken => "proof_is_for_another_token",
            Self::WrongKey => "proof_key_is_not_the_token's",
            Self::Reused => "proof_was_already_used",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_its_phrase_with_underscores_and_unique() {
        let mut codes = std::collections::HashSet::new();
        for error in ProofError::ALL {
            assert_eq!(error.code(), error.to_string().replace(' ', "_"));
            assert!(codes.insert(error.code()), "{error:?}");
        }
    }
}

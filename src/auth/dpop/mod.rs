//! Sender-constrained tokens, DPoP (RFC 9449; docs/dpop.md): a token bound to a key (`cnf.jkt`)
//! is accepted only with a proof signed by that key, made for this request, used once.
//!
//! - `proof`: the pure proof check (no key set, no store, no network), shared with the local
//!   issuer's token endpoint; `key` the proof's public key and its RFC 7638 thumbprint; `htu` the
//!   URL comparison; `error` why a proof is refused.
//! - `replay` and `redis_store`: each proof accepted once, in this process or in Redis.
//! - `gate`: the API's per-request rules (`DPOP` mode, which scheme, which URL), used by the
//!   extractors.

mod error;
mod gate;
mod htu;
mod key;
mod proof;
mod redis_store;
mod replay;

pub(crate) use error::ProofError;
pub(crate) use gate::{DPOP_HEADER, Dpop, DpopMode, DpopObserver};
#[cfg(test)]
pub(crate) use key::thumbprint;
pub(crate) use proof::{ProofPolicy, ProofRequest, check_proof};
pub(crate) use redis_store::RedisReplayStore;
pub(crate) use replay::{MEMORY_CAPACITY, ReplayError, ReplayStore};

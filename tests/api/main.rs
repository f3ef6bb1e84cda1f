//! Integration tests: the real server on port 0, a real key-set server on port 0, tokens minted
//! with keys generated here. One file per feature; they need nothing but Rust (plain `cargo test`).
//! The tests that need Chromium, Node.js packages or Python tools are in tests/interop.

use testkit as helpers;

mod client;
mod config_errors;
mod cors_and_headers;
mod demo;
mod docs;
mod dpop;
mod dpop_client;
mod entra;
mod hardening;
mod issuer_dpop;
mod issuer_failures;
mod key_set;
mod key_set_attacks;
mod limits;
mod local_issuer;
mod logging;
mod login_page;
mod messages;
mod operations;
mod process;
mod properties;
mod refresh_tokens;
mod sign_in;
mod sign_in_attacks;
mod token_cache;
mod tokens;

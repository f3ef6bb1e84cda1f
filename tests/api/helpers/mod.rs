//! Real parts for the integration tests: keys generated here, a key-set server on port 0 that
//! the test controls, the real application on port 0, and a logger that keeps every line.

mod app;
mod dpop;
mod key_server;
mod keys;
mod logs;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use app::*;
pub use dpop::*;
pub use key_server::*;
pub use keys::*;
pub use logs::*;

/// The audience every test API accepts.
pub const AUDIENCE: &str = "https://hello-world.example.com";

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

//! Real parts for hello-api's tests, benches, soak and workshop (docs/testing.md): keys generated
//! here, a key-set server on port 0 that the caller controls, the real application on port 0, a
//! logger that keeps every line, the sign-in flow without a browser, `eventually(…)` for what
//! happens in the background, and temporary directories that clean up after themselves.
//!
//! A dev-only crate (`publish = false`): the test binaries name it `helpers`
//! (`use testkit as helpers;`), so their paths read `crate::helpers::…`.

pub mod app;
pub mod code_flow;
pub mod dpop;
pub mod key_server;
pub mod keys;
pub mod logs;
mod wait;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use app::*;
pub use dpop::{DpopKey, proof_claims};
pub use key_server::*;
pub use keys::*;
pub use logs::*;
pub use wait::eventually;

/// The audience every test API accepts.
pub const AUDIENCE: &str = "https://hello-world.example.com";

/// `bytes` as unpadded base64url, as JWTs and JWKs carry them.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A fresh directory under the system's temporary directory, removed with everything in it when
/// dropped. `name` shows in the path, for a reader of a failure message.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("hello-api-{name}-{}-{serial}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory can be made");
        Self(path)
    }
}

/// The directory's path: `&dir` serves wherever a `&Path` does, and `dir.join(…)` names a file in it.
impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

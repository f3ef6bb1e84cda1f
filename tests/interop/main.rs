//! The opt-in integration tests (`cargo test --features interop`, which `make test` and CI run):
//! hello-api against tools from outside Rust, which `scripts/test-deps.sh` installs: headless
//! Chromium through ChromeDriver, the official Auth0 SPA SDK and panva's `oidc-provider` (Node.js),
//! PyJWT and the Python tools of the operations checks (docs/testing.md). Each test fails, never
//! skips, when its tool is missing.

use testkit as helpers;

mod browser;
mod login_page;
mod oidc_provider;
mod operations;
mod pyjwt;
mod redis_replay;
mod spa_sdk;

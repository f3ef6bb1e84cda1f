//! The one way this crate builds an HTTP client for talking to issuers and APIs.

use std::time::Duration;

/// rustls, `timeout` for connecting and for the whole exchange, and no redirects: a redirect would
/// take a fetch, a secret or a token to a place nobody configured. The proxy of `HTTPS_PROXY` /
/// `HTTP_PROXY` / `NO_PROXY` is used, except when every peer is on a loopback host (`loopback`),
/// which a proxy could not reach.
pub fn client(timeout: Duration, loopback: bool) -> reqwest::Result<reqwest::Client> {
    let builder = if loopback { reqwest::Client::builder().no_proxy() } else { reqwest::Client::builder() };
    builder
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hello-api/", env!("CARGO_PKG_VERSION")))
        .build()
}

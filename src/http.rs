//! The one way this crate builds an HTTP client for talking to issuers and APIs.

use std::time::Duration;

/// rustls, `timeout` for connecting and for the whole exchange, and no redirects: a redirect would
/// take a fetch, a secret or a token to a place nobody configured. The proxy of `HTTPS_PROXY` /
/// `HTTP_PROXY` / `NO_PROXY` is used, except when every peer is on a loopback host (`loopback`),
/// which a proxy could not reach.
pub(crate) fn client(timeout: Duration, loopback: bool) -> reqwest::Result<reqwest::Client> {
    let builder = if loopback { reqwest::Client::builder().no_proxy() } else { reqwest::Client::builder() };
    builder
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hello-api/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The body of `response`, or `None` when it is larger than `limit` bytes: a declared length over
/// the limit is refused unread, and reading stops as soon as the limit is passed.
pub(crate) async fn read_body(mut response: reqwest::Response, limit: usize) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

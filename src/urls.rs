//! The URL rules every issuer, key-set, token-endpoint and API URL follows: `https`, or plain
//! `http` on a loopback host only (docs/configuration.md, the rules above the tables).
//!
//! Configuration, the key-set fetcher and `hello-client` all apply these; the errors are plain
//! sentences that the caller prefixes with what it was checking (a variable, a metadata field).

use url::Url;

/// Whether `url`'s host is a loopback host: `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The transport rule for every issuer, key-set and token-endpoint URL:
/// `https`, or `http` on a loopback host only.
pub fn check_transport(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => {
            Err(format!("{url} must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])"))
        }
        _ => Err(format!("{url} is not an https URL")),
    }
}

/// Parses an issuer URL or bare domain (which means `https://`), applying [`check_transport`].
pub fn issuer_url(value: &str) -> Result<Url, String> {
    let value = value.trim();
    let with_scheme = if value.contains("://") { value.to_owned() } else { format!("https://{value}") };
    let url = Url::parse(&with_scheme).map_err(|err| format!("{value:?} is not a valid URL or domain ({err})"))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{value:?} must not carry credentials, a query or a fragment"));
    }
    check_transport(&url)?;
    Ok(url)
}

/// `{base}/.well-known/openid-configuration`, unless `base` already ends so.
pub(crate) fn metadata_url(base: &Url) -> Url {
    const WELL_KNOWN: &str = ".well-known/openid-configuration";
    if base.path().trim_end_matches('/').ends_with(WELL_KNOWN) { base.clone() } else { join(base, WELL_KNOWN) }
}

/// Appends `path` to `base`'s path, with exactly one `/` between them.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_allowed_only_on_loopback() {
        for ok in ["http://localhost:1/", "http://127.0.0.9:8080", "http://[::1]:9", "example.com"] {
            assert!(issuer_url(ok).is_ok(), "{ok}");
        }
        for bad in ["http://example.com", "http://10.0.0.1", "http://localhost.example.com", "ftp://localhost"] {
            assert!(issuer_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_discovery_path_is_added_once() {
        for base in ["https://id.example.com/realm", "https://id.example.com/realm/.well-known/openid-configuration"] {
            let url = metadata_url(&Url::parse(base).unwrap());
            assert_eq!(url.as_str(), "https://id.example.com/realm/.well-known/openid-configuration");
        }
    }
}

//! Value parsers: each turns one variable's text into a type, or a [`ConfigError`] naming it.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use crate::auth::SigningAlgorithm;

/// A port number.
pub(crate) fn port(variable: &str, value: &str) -> Result<u16, ConfigError> {
    let value = value.trim();
    value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not a port number (0-65535)")))
}

/// Whole seconds from `LEAST` to one year.
pub(crate) fn seconds<const LEAST: u64>(variable: &str, value: &str) -> Result<Duration, ConfigError> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(secs) if (LEAST..=31_536_000).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(ConfigError::new(
            variable,
            format!("{value:?} is not a whole number of seconds from {LEAST} to 31536000"),
        )),
    }
}

/// A count from 0 to ten million.
pub(crate) fn count(variable: &str, value: &str) -> Result<usize, ConfigError> {
    let value = value.trim();
    value
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= 10_000_000)
        .ok_or_else(|| ConfigError::new(variable, format!("{value:?} is not a whole number from 0 to 10000000")))
}

/// Any text, as given (a log filter, a secret, an issuer variable checked with the others).
pub(crate) fn text(_variable: &str, value: &str) -> Result<String, ConfigError> {
    Ok(value.to_owned())
}

/// A file path.
pub(crate) fn path(_variable: &str, value: &str) -> Result<PathBuf, ConfigError> {
    Ok(PathBuf::from(value))
}

/// An IP address or DNS host name.
pub(crate) fn host(variable: &str, value: &str) -> Result<String, ConfigError> {
    let host = value.trim();
    if host.parse::<IpAddr>().is_err() && !is_hostname(host) {
        return Err(ConfigError::new(variable, format!("{host:?} is not an IP address or host name")));
    }
    Ok(host.to_owned())
}

/// `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`, in any case.
pub(crate) fn boolean(variable: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not true or false"))),
    }
}

/// A comma-separated list of non-empty items.
pub(crate) fn list(variable: &str, value: &str) -> Result<Vec<String>, ConfigError> {
    let items: Vec<String> = value.split(',').map(|item| item.trim().to_owned()).collect();
    if items.iter().any(String::is_empty) {
        return Err(ConfigError::new(variable, format!("{value:?} has an empty item (use a comma-separated list)")));
    }
    Ok(items)
}

/// One path segment of an authority URL: no `/`, `?`, `#` or spaces.
pub(crate) fn segment<'a>(variable: &str, value: &'a str) -> Result<&'a str, ConfigError> {
    let value = value.trim();
    if value.is_empty() || value.chars().any(|c| matches!(c, '/' | '?' | '#' | '%') || c.is_whitespace()) {
        return Err(ConfigError::new(variable, format!("{value:?} is not a valid identifier")));
    }
    Ok(value)
}

/// An issuer URL or bare domain, under the rules of [`crate::urls::issuer_url`].
pub(crate) fn issuer_url(variable: &str, value: &str) -> Result<Url, ConfigError> {
    crate::urls::issuer_url(value).map_err(|problem| ConfigError::new(variable, problem))
}

/// A browser origin (scheme, host, optional port), normalised without a trailing `/`.
pub(crate) fn origin(variable: &str, value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let url = Url::parse(value).map_err(|err| ConfigError::new(variable, format!("{value:?} is not a URL ({err})")))?;
    let is_origin = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty();
    if !is_origin {
        return Err(ConfigError::new(
            variable,
            format!("{value:?} is not an origin (scheme, host and optional port, e.g. http://localhost:4040)"),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// A DNS host name: dot-separated labels of letters, digits and `-`.
fn is_hostname(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `TOKEN_ALGORITHMS` or `DPOP_ALGORITHMS`: asymmetric algorithms only, duplicates dropped.
pub(crate) fn algorithms(variable: &str, value: &str) -> Result<Vec<SigningAlgorithm>, ConfigError> {
    let mut accepted = Vec::new();
    for name in list(variable, value)? {
        let algorithm = SigningAlgorithm::from_name_ignore_case(&name).ok_or_else(|| {
            let why = if name.to_ascii_uppercase().starts_with("HS") || name.eq_ignore_ascii_case("none") {
                "is not asymmetric and can never be accepted"
            } else {
                "is not supported"
            };
            ConfigError::new(
                variable,
                format!("{name:?} {why}; use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"),
            )
        })?;
        if !accepted.contains(&algorithm) {
            accepted.push(algorithm);
        }
    }
    Ok(accepted)
}

//! Request parameters, read one way everywhere: from a query, a form or a JSON object, each name
//! at most once, each value within its limit (docs/sign-in.md, "What the issuer accepts").

use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header;
use serde_json::Value;
use url::Url;

/// The parameters of one request, each given once.
pub(super) type Params = HashMap<String, String>;

/// The longest `redirect_uri` or `returnTo`, in bytes.
pub(super) const MAX_URL_BYTES: usize = 2048;

/// The refusal of a `state` over its limit (such a `state` is not echoed back).
pub(super) const STATE_TOO_LONG: &str = "state is longer than 512 bytes";

/// The longest value of each bounded parameter, in bytes, with the description of a refusal.
/// A code stores only bounded values, so a store's memory is bounded by bytes too.
const LIMITS: [(&str, usize, &str); 4] = [
    ("state", 512, STATE_TOO_LONG),
    ("nonce", 512, "nonce is longer than 512 bytes"),
    ("scope", 1024, "scope is longer than 1024 bytes"),
    ("audience", 1024, "audience is longer than 1024 bytes"),
];

/// The first bounded parameter over its limit, as the description of the refusal.
pub(super) fn over_limit(params: &Params) -> Option<&'static str> {
    LIMITS
        .iter()
        .find(|(name, limit, _)| params.get(*name).is_some_and(|value| value.len() > *limit))
        .map(|(_, _, description)| *description)
}

/// The limit of `name` (`state`, `nonce`, `scope` or `audience`).
#[cfg(test)]
pub(super) fn limit(name: &str) -> usize {
    LIMITS.iter().find(|(known, _, _)| *known == name).map_or(0, |(_, limit, _)| *limit)
}

/// Name–value pairs, refused when a name repeats (one value must mean one thing).
fn unique(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Params, &'static str> {
    let mut params = HashMap::new();
    for (name, value) in pairs {
        if params.insert(name, value).is_some() {
            return Err("a parameter is repeated");
        }
    }
    Ok(params)
}

/// The query of `request`.
pub(super) fn query(request: &HttpRequest) -> Result<Params, &'static str> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).map_err(|_| "the query is malformed")?;
    unique(pairs)
}

/// A body: a form, or a JSON object of strings.
pub(super) fn body(request: &HttpRequest, body: &[u8]) -> Result<Params, &'static str> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).map_err(|_| "the form body is malformed")?;
            unique(pairs)
        }
        "application/json" => {
            let object: serde_json::Map<String, Value> =
                serde_json::from_slice(body).map_err(|_| "the JSON body is malformed")?;
            let pairs = object.into_iter().map(|(name, value)| match value {
                Value::String(value) => Ok((name, value)),
                _ => Err("every parameter must be a string"),
            });
            unique(pairs.collect::<Result<Vec<_>, _>>()?)
        }
        _ => Err("send application/x-www-form-urlencoded or application/json"),
    }
}

/// Why a `redirect_uri` or `returnTo` is refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BadTarget {
    /// Not a URL this issuer ever redirects to, whatever its origin: too long, control
    /// characters, another scheme, userinfo, a fragment.
    Malformed(&'static str),
    /// A well-formed URL on another origin.
    OtherOrigin,
}

/// `raw` as a redirect target: an `http`/`https` URL on `client_origin`, without userinfo, fragment
/// or control characters, in its normalised form (the form the issuer redirects to).
pub(super) fn redirect_target(raw: &str, client_origin: &str) -> Result<Url, BadTarget> {
    if raw.len() > MAX_URL_BYTES {
        return Err(BadTarget::Malformed("it is longer than 2048 bytes"));
    }
    // A URL parser drops tabs and line breaks and trims spaces; a target that needs that is
    // refused instead, so what is checked is what was sent.
    if raw.chars().any(char::is_control) || raw.trim() != raw {
        return Err(BadTarget::Malformed("it holds control characters or spaces at its ends"));
    }
    let url = Url::parse(raw).map_err(|_| BadTarget::Malformed("it is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BadTarget::Malformed("only http and https URLs are allowed"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadTarget::Malformed("a URL with userinfo is not allowed"));
    }
    if url.fragment().is_some() {
        return Err(BadTarget::Malformed("a URL with a fragment is not allowed"));
    }
    if url.origin().ascii_serialization() != client_origin {
        return Err(BadTarget::OtherOrigin);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://localhost:4040";

    #[test]
    fn a_target_is_normalised_or_refused_with_a_reason() {
        let ok = |raw: &str| redirect_target(raw, ORIGIN).map(|url| url.to_string());
        assert_eq!(ok("http://LOCALHOST:4040").as_deref(), Ok("http://localhost:4040/"));
        assert_eq!(ok("http://localhost:4040/a b").as_deref(), Ok("http://localhost:4040/a%20b"));
        assert_eq!(ok("http://localhost:4041/"), Err(BadTarget::OtherOrigin));
        for bad in [
            "http://x@localhost:4040/",
            "http://localhost:4040/#",
            "blob:http://localhost:4040/x",
            "http://localhost:4040/\n",
            "http://localhost:4040/\u{7f}",
            "http://localhost:4040/ ",
            "data:text/html,x",
        ] {
            assert!(matches!(ok(bad), Err(BadTarget::Malformed(_))), "{bad:?}");
        }
        let long = format!("{ORIGIN}/{}", "a".repeat(MAX_URL_BYTES));
        assert!(matches!(ok(&long), Err(BadTarget::Malformed(_))));
    }

    #[test]
    fn a_bounded_parameter_one_byte_over_its_limit_is_named() {
        for (name, limit, _) in LIMITS {
            let at = Params::from([(name.to_owned(), "a".repeat(limit))]);
            assert_eq!(over_limit(&at), None, "{name}");
            let over = Params::from([(name.to_owned(), "a".repeat(limit + 1))]);
            assert!(over_limit(&over).is_some_and(|description| description.starts_with(name)));
        }
    }
}

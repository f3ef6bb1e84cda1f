//! Downloads: one bounded GET for JSON documents, and OpenID discovery's metadata.

use serde_json::Value;
use url::Url;

use super::{ExpectedIssuer, FetchError, MAX_DOCUMENT_BYTES};
use crate::urls::check_transport;

/// GETs `url` and parses its body as JSON, within the time and size limits.
pub(super) async fn get_json(http: &reqwest::Client, url: &Url, what: &'static str) -> Result<Value, FetchError> {
    check_transport(url).map_err(FetchError::Insecure)?;
    let response = http.get(url.clone()).header(reqwest::header::ACCEPT, "application/json").send().await?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    let body = crate::http::read_body(response, MAX_DOCUMENT_BYTES).await?.ok_or(FetchError::TooLarge)?;
    serde_json::from_slice(&body).map_err(|_| FetchError::BadDocument(what))
}

/// The issuer and key-set URL an OpenID metadata document names.
pub fn parse_metadata(metadata: &Value) -> Result<(ExpectedIssuer, Url), FetchError> {
    let field = |name| metadata.get(name).and_then(Value::as_str).filter(|value| !value.is_empty());
    let issuer = field("issuer").ok_or(FetchError::BadDocument("OpenID metadata document (no issuer)"))?;
    let jwks_uri = field("jwks_uri").ok_or(FetchError::BadDocument("OpenID metadata document (no jwks_uri)"))?;
    let jwks_uri =
        Url::parse(jwks_uri).map_err(|_| FetchError::BadDocument("OpenID metadata document (bad jwks_uri)"))?;
    check_transport(&jwks_uri).map_err(|problem| FetchError::Insecure(format!("jwks_uri {problem}")))?;
    Ok((ExpectedIssuer::from_metadata(issuer.to_owned()), jwks_uri))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn discovery_names_the_issuer_and_a_key_set_url_that_obeys_the_transport_rule() {
        let cases = [
            (json!({ "issuer": "https://a.example/", "jwks_uri": "https://a.example/keys" }), true),
            (json!({ "issuer": "http://127.0.0.1:1/", "jwks_uri": "http://127.0.0.1:1/keys" }), true),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "http://a.example/keys" }), false),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "ftp://a.example/keys" }), false),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "not a url" }), false),
            (json!({ "issuer": "", "jwks_uri": "https://a.example/keys" }), false),
            (json!({ "jwks_uri": "https://a.example/keys" }), false),
            (json!(["https://a.example/"]), false),
        ];
        for (document, accepted) in cases {
            assert_eq!(parse_metadata(&document).is_ok(), accepted, "{document}");
        }
        let (issuer, _) = parse_metadata(
            &json!({ "issuer": "https://l.example/{tenantid}/v2.0", "jwks_uri": "https://l.example/k" }),
        )
        .unwrap();
        assert_eq!(issuer, ExpectedIssuer::PerTenant("https://l.example/{tenantid}/v2.0".into()));
    }
}

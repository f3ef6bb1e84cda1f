//! Who is calling the token endpoint: a confidential client by its secret (form fields, JSON body
//! or HTTP Basic, exactly one of them), or the public SPA client by its id alone.

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::common::secrets_match;
use super::errors::TokenError;
use super::params::Params;
use super::state::{DemoClient, SPA_CLIENT_ID};

/// An authenticated client.
pub(super) enum Client<'a> {
    /// A machine client that proved its secret.
    Confidential(&'a DemoClient),
    /// The public SPA client (no secret: PKCE protects its codes).
    Public,
}

/// Authenticates the caller of `request`, taking `client_secret` out of `params`.
pub(super) fn authenticate<'a>(
    request: &HttpRequest,
    params: &mut Params,
    clients: &'a [DemoClient],
) -> Result<Client<'a>, TokenError> {
    let basic = basic_credentials(request)?;
    let (body_id, body_secret) = (params.get("client_id").cloned(), params.remove("client_secret"));
    let (id, secret) = match (basic, body_id, body_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(TokenError::InvalidRequest("use one client authentication method, not two"));
        }
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        (None, Some(id), None) if id == SPA_CLIENT_ID => return Ok(Client::Public),
        _ => return Err(TokenError::InvalidClient),
    };
    let client = clients.iter().find(|client| client.id == id);
    let client = client.filter(|client| secrets_match(&secret, &client.secret)).ok_or(TokenError::InvalidClient)?;
    Ok(Client::Confidential(client))
}

/// Client id and secret from `Authorization: Basic` (RFC 6749 2.3.1: form-encoded, then base64).
fn basic_credentials(request: &HttpRequest) -> Result<Option<(String, String)>, TokenError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || TokenError::InvalidRequest("the Authorization header is malformed");
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(TokenError::InvalidRequest("client authentication must use the Basic scheme"));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |text: &str| {
        percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8().map(|text| text.into_owned())
    };
    Ok(Some((unescape(id).map_err(|_| bad())?, unescape(secret).map_err(|_| bad())?)))
}

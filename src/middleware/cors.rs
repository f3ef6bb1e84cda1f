//! CORS for the one allowed browser origin (docs/contract.md, "CORS").

use actix_cors::Cors;
use actix_web::http::header::{self, HeaderName};

use crate::auth::dpop::DPOP_HEADER;

/// CORS for the one allowed browser origin (docs/contract.md, "CORS"): `methods`, the
/// `Authorization`, `Content-Type` and `DPoP` request headers, `WWW-Authenticate` and `DPoP-Nonce`
/// readable by the page (docs/dpop.md), a day's preflight cache, no credentials.
/// Other origins are served without CORS headers (so the browser withholds the answer); only
/// their preflights are refused.
pub(crate) fn cors(origin: &str, methods: &[&'static str]) -> Cors {
    Cors::default()
        .allowed_origin(origin)
        .allowed_methods(methods.iter().copied())
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, DPOP_HEADER])
        .expose_headers([header::WWW_AUTHENTICATE, HeaderName::from_static("dpop-nonce")])
        .max_age(86_400)
        .block_on_origin_mismatch(false)
}

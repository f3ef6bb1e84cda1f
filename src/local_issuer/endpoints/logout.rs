//! `GET /v2/logout`: ends the session, and goes back to `returnTo` when it is allowed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::local_issuer::pages::{error_page, signed_out_page};
use crate::local_issuer::params::{self, BadTarget, redirect_target};
use crate::local_issuer::sign_in::{SignIn, set_cookie};
use crate::local_issuer::state::SPA_CLIENT_ID;

/// The session ends whatever the query says. A `returnTo` on the client origin is followed in
/// its normalised form; one on another origin is not followed; a malformed one is refused.
pub(in crate::local_issuer) async fn logout(request: HttpRequest, sign_in: web::Data<SignIn>) -> HttpResponse {
    sign_in.end_session(&request);
    let mut response = match params::query(&request) {
        Err(description) => error_page(description),
        Ok(query) => {
            let client_ok = query.get("client_id").is_none_or(|id| id == SPA_CLIENT_ID);
            match query.get("returnTo").map(|raw| redirect_target(raw, &sign_in.client_origin)) {
                None => signed_out_page(),
                Some(Ok(url)) if client_ok => {
                    HttpResponse::Found().insert_header((header::LOCATION, url.as_str())).finish()
                }
                Some(Ok(_) | Err(BadTarget::OtherOrigin)) => signed_out_page(),
                Some(Err(BadTarget::Malformed(why))) => error_page(&format!("returnTo is not allowed: {why}")),
            }
        }
    };
    set_cookie(&mut response, None);
    response
}

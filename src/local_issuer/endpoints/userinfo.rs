//! `GET /userinfo`: the profile of the user whose access token is presented. The token is checked
//! by the API's own validator (`crate::auth`), through the same key set the API trusts; it takes
//! Bearer tokens only, so a DPoP-bound token is refused here as it is as Bearer at the API.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::auth::{AuthError, InvalidToken, bearer_token};
use crate::local_issuer::sign_in::SignIn;
use crate::local_issuer::state::IssuerState;

pub(in crate::local_issuer) async fn userinfo(
    request: HttpRequest,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> Result<HttpResponse, AuthError> {
    let token = bearer_token(&request)?;
    // Set at start-up, once the API's validator exists; until then no token can be checked.
    let validator =
        state.validator.get().ok_or(AuthError::KeysUnavailable { retry_after: std::time::Duration::from_secs(1) })?;
    let claims = validator.validate(token).await?;
    // `/userinfo` takes Bearer only: a DPoP-bound token without its proof is a stolen one
    // (docs/dpop.md), refused here as at the API.
    if claims.bound_key().is_some() {
        return Err(InvalidToken::BoundTokenAsBearer.into());
    }
    let user = claims.subject().and_then(|sub| sign_in.users.iter().find(|user| user.id == sub));
    let user = user.ok_or(AuthError::InvalidToken(InvalidToken::UnusableClaims))?;
    let mut profile = json!({ "sub": user.id });
    user.add_profile(&mut profile);
    Ok(HttpResponse::Ok().json(profile))
}

//! `/authorize`: the authorization request (GET) and the login form (POST) (docs/sign-in.md).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::local_issuer::authorization::{AuthRequest, Prompt, Refusal, check};
use crate::local_issuer::common::{now_secs, secrets_match};
use crate::local_issuer::pages::{error_page, login_page};
use crate::local_issuer::params;
use crate::local_issuer::response_modes::respond;
use crate::local_issuer::sign_in::{SignIn, set_cookie};
use crate::local_issuer::state::IssuerState;

/// The checked request of `request`.
fn checked(request: &HttpRequest, state: &IssuerState, sign_in: &SignIn) -> Result<AuthRequest, Refusal> {
    let query = params::query(request).map_err(|description| Refusal::Page(description.to_owned()))?;
    check(&query, &sign_in.client_origin, &state.audience)
}

/// The answer refusing a request; `status` is the redirect's (303 after the form's POST).
fn refuse(refusal: Refusal, status: StatusCode, sign_in: &SignIn) -> HttpResponse {
    match refusal {
        Refusal::Page(description) => error_page(&description),
        Refusal::ToClient(target, error, description) => {
            let response = vec![("error", error.to_owned()), ("error_description", description.to_owned())];
            respond(&target, response, status, &sign_in.client_origin)
        }
    }
}

/// `GET /authorize`: a code from the session, or the login form.
pub(in crate::local_issuer) async fn authorize(
    request: HttpRequest,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> HttpResponse {
    let auth = match checked(&request, &state, &sign_in) {
        Ok(auth) => auth,
        Err(refusal) => return refuse(refusal, StatusCode::FOUND, &sign_in),
    };
    let session = sign_in.session(&request).filter(|_| auth.prompt != Prompt::Login);
    match session {
        Some((_, session)) => {
            let code = sign_in.issue_code(&auth, &session);
            respond(&auth.target, vec![("code", code)], StatusCode::FOUND, &sign_in.client_origin)
        }
        None if auth.prompt == Prompt::None => {
            let response =
                vec![("error", "login_required".into()), ("error_description", "the user is not signed in".into())];
            respond(&auth.target, response, StatusCode::FOUND, &sign_in.client_origin)
        }
        None => login(&auth, &request, &sign_in, None, ""),
    }
}

/// The login page for `auth`, posting back with the query of `request`.
fn login(
    auth: &AuthRequest,
    request: &HttpRequest,
    sign_in: &SignIn,
    error: Option<&str>,
    username: &str,
) -> HttpResponse {
    let (scope, audience) = (&auth.scope, auth.audience.as_deref());
    login_page(scope, audience, request.query_string(), &sign_in.users, error, username, &sign_in.client_origin)
}

/// The login form's fields.
#[derive(serde::Deserialize)]
pub(in crate::local_issuer) struct Credentials {
    username: String,
    password: String,
}

/// `POST /authorize`: the login form. A wrong password shows the form again; it never redirects.
pub(in crate::local_issuer) async fn log_in(
    request: HttpRequest,
    form: web::Form<Credentials>,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> HttpResponse {
    // After a POST, 303 makes the browser follow with a GET.
    let auth = match checked(&request, &state, &sign_in) {
        Ok(auth) => auth,
        Err(refusal) => return refuse(refusal, StatusCode::SEE_OTHER, &sign_in),
    };
    // Every user's password is compared, so the time does not tell which emails exist.
    let mut found = None;
    for (index, user) in sign_in.users.iter().enumerate() {
        let password_ok = secrets_match(&form.password, user.password);
        if password_ok && user.email.eq_ignore_ascii_case(form.username.trim()) {
            found = Some(index);
        }
    }
    let Some(user) = found else {
        return login(&auth, &request, &sign_in, Some("Wrong email or password."), &form.username);
    };
    let (cookie, session) = sign_in.start_session(user, now_secs());
    let code = sign_in.issue_code(&auth, &session);
    let mut response = respond(&auth.target, vec![("code", code)], StatusCode::SEE_OTHER, &sign_in.client_origin);
    set_cookie(&mut response, Some(&cookie));
    response
}

//! The embedded local issuer: a small OpenID provider for local mode, for development only
//! (docs/local-issuer.md, docs/sign-in.md).
//!
//! It publishes discovery metadata and a key set, issues client-credentials tokens for two demo
//! clients, signs people in for the SPA client with the authorization-code flow and PKCE, keeps
//! them signed in with rotating refresh tokens, and binds any token to a DPoP key on request.
//! The API trusts it through the very same discovery + key-set path as any issuer. The layout
//! follows an OpenID provider's (panva's `oidc-provider`):
//!
//! - `endpoints/`: one file per endpoint; `grants/`: one file per grant of the token endpoint;
//! - `authorization.rs`: the checked authorization request; `response_modes.rs`: `query` and
//!   `web_message`; `client_auth.rs`: who calls the token endpoint; `pkce.rs`; `dpop.rs`: a
//!   token request's DPoP proof (the API's check, called in one place);
//! - `sign_in.rs`: sessions and codes, `refresh_tokens.rs`: rotating refresh tokens, in bounded
//!   stores (`store.rs`); `users.rs`;
//! - `tokens.rs`: the claims of every token; `errors.rs`: the token endpoint's errors;
//! - `params.rs`: request parameters, their limits and redirect targets; `pages.rs` and
//!   `pages/`: the HTML a person sees; `common.rs`: ids, time, locks, secret comparison;
//! - `state.rs`: the clients and what every handler shares; `key.rs`: the signing key.

mod authorization;
mod client_auth;
mod common;
mod dpop;
mod endpoints;
mod errors;
mod grants;
mod key;
mod pages;
mod params;
mod pkce;
mod refresh_tokens;
mod response_modes;
mod sign_in;
mod state;
mod store;
mod tokens;
mod users;

use std::net::TcpListener;

use actix_web::http::{Method, header};
use actix_web::web;

pub(crate) use key::KeyFileError;
pub use key::{SigningKey, generate_pem};
pub(crate) use sign_in::SignIn;
pub(crate) use state::{IssuerState, SPA_CLIENT_ID, ValidatorSlot, demo_clients};

use crate::routes::{get_only, only};

/// The issuer's HTTP server on already bound listeners (loopback only).
pub fn server(
    listeners: Vec<TcpListener>,
    state: IssuerState,
    client_origin: &str,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(state);
    let sign_in = web::Data::new(SignIn::new(client_origin));
    let origin = client_origin.to_owned();
    let options = crate::middleware::ServerOptions {
        // The issuer exists in local mode only, so it always answers loopback names alone.
        stack: crate::middleware::StackConfig { loopback_only: true, ..Default::default() },
        // The browser demo asks for tokens across origins, so the token endpoint allows its
        // origin, with the `Auth0-Client` header the Auth0 SPA SDK sends (the shared builder
        // already allows `DPoP`, which the SDK sends with `useDpop: true`).
        cors: Some(std::sync::Arc::new(move || {
            crate::middleware::cors(&origin, &["GET", "POST"])
                .allowed_header(header::HeaderName::from_static("auth0-client"))
        })),
        workers: Some(1),
    };
    crate::middleware::serve(listeners, options, move |app| {
        app.app_data(state.clone()).app_data(sign_in.clone()).configure(configure);
    })
}

/// The issuer's routes, for any middleware stack. The app must hold `web::Data<IssuerState>` and
/// `web::Data<SignIn>`.
pub fn configure(config: &mut web::ServiceConfig) {
    use endpoints::{assets, authorize, discovery, jwks, logout, token, userinfo};
    config
        .service(get_only("/.well-known/openid-configuration", discovery::metadata))
        .service(get_only("/.well-known/jwks.json", jwks::key_set))
        .service(only(Method::POST, "/oauth/token", token::token))
        .service(
            web::resource("/authorize")
                .route(web::get().to(authorize::authorize))
                .route(web::post().to(authorize::log_in)),
        )
        .service(get_only("/userinfo", userinfo::userinfo))
        .service(get_only("/v2/logout", logout::logout))
        .service(get_only("/favicon.ico", assets::favicon))
        .service(get_only("/style.css", assets::style))
        .service(get_only("/login.css", assets::login_style))
        .service(get_only("/login.js", assets::login_script));
}

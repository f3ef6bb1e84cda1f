//! hello-api: the Hello World API behind JWT access tokens (docs/contract.md), and everything
//! `hello-api` and `hello-client` are made of.
//!
//! # Module map
//! - [`config`]: settings, read once at start-up from flags, the environment and `.env`
//!   (`vars` declares them, `env` reads `.env`, `authority` decides which issuer, `parse` checks
//!   values, `defaults` holds the documented defaults).
//! - [`urls`]: the URL rules every issuer URL obeys (https, or http on loopback only).
//! - [`startup`]: binds the listeners and builds the application: API, local issuer, demo.
//! - [`routes`]: the message routes, the health probes and the OpenAPI document; the route table
//!   (`routes::table`) registers each route and feeds the document; the resource builder answers
//!   405 for other methods.
//! - [`middleware`]: the one stack every server is served through (`middleware::serve`): limits and
//!   timeouts, Host check, security headers, JSON error bodies, CORS, access log, metrics.
//! - [`metrics`]: the Prometheus metrics and `/metrics` (docs/operations.md); it implements the
//!   auth layer's observer traits, labelled by stable codes.
//! - [`host_check`]: which `Host` names are loopback (local mode answers others 421).
//! - [`logging`]: the logger, with client mistakes actix-http reports kept at DEBUG.
//! - [`auth`]: the authorization layer: [`auth::KeySet`] (the cached key set, `auth/jwks/`),
//!   [`auth::Validator`] (token → claims), DPoP proofs and their replay store ([`auth::dpop`],
//!   docs/dpop.md), [`auth::Claims`], the extractors handlers take
//!   ([`auth::Claims`], [`auth::RequirePermission`]) and [`auth::AuthError`], mapped once to a response.
//!   It imports nothing above it: the metrics observe it through its observer traits.
//! - [`local_issuer`]: the embedded development issuer of local mode: tokens for machines, and
//!   sign-in for people (`local_issuer::endpoints`, `grants`, docs/sign-in.md).
//! - [`demo`]: the browser demo's server (`static/`).
//! - [`http`]: the one outbound HTTP client builder and size-limited body reader.
//! - [`client`]: what `hello-client` needs: token requests, a token cache, the API call.
//!
//! # A request's path
//! A request to `GET /api/messages/admin` meets the one middleware of [`middleware`] (in local
//! mode the [`host_check`], the body deadline; on the way out JSON errors, security headers, the
//! access log and the metrics), then CORS, then the route in [`routes::messages`]. The handler's signature names
//! [`auth::RequirePermission`], whose extractor reads the bearer token and asks the shared
//! [`auth::Validator`]: header checks, then the key for its `kid` from the [`auth::KeySet`]
//! (fetched and refreshed by the rules of docs/contract.md, "The key set"), the signature, then
//! issuer, audience and time. A bad token is a 401, a missing permission a 403, both through
//! [`auth::AuthError`]; otherwise the handler runs.

pub mod auth;
pub mod client;
pub mod config;
pub(crate) mod demo;
pub(crate) mod host_check;
pub(crate) mod http;
pub mod local_issuer;
pub mod logging;
pub(crate) mod metrics;
pub(crate) mod middleware;
pub mod routes;
pub mod startup;
pub mod urls;

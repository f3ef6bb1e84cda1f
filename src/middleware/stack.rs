//! The one middleware every server wraps around its routes, written as a single actix
//! `Transform` so that a request pays for one boxed future, not one per layer. In order, it:
//! 1. in local mode, answers a `Host` that is not a loopback name with 421 ([`crate::host_check`]);
//! 2. puts the whole-body deadline on a request that has a body ([`super::body_deadline`]);
//! 3. after the routes (and CORS) answered: gives an error without a JSON body the body
//!    `{"message": …}` and sets the security headers ([`super::headers`]);
//! 4. writes the access-log line (`METHOD path status duration`, INFO, target
//!    `hello_api::middleware`) and, on the API, counts the request in the metrics.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::header::HeaderValue;
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpResponse, HttpResponseBuilder};
use futures_core::future::LocalBoxFuture;

use super::{body_deadline, headers};
use crate::metrics::{Metrics, UNMATCHED_ROUTE};

/// The access log's target, stable whatever file writes it (`RUST_LOG=hello_api::middleware=warn`
/// silences it).
pub(crate) const ACCESS_LOG: &str = "hello_api::middleware";

/// What differs between the servers' stacks.
#[derive(Clone, Default)]
pub(crate) struct StackConfig {
    /// Local mode: only loopback `Host` names are answered.
    pub(crate) loopback_only: bool,
    /// The API's metrics; `None` on the issuer and the demo, and with `METRICS=off`.
    pub(crate) metrics: Option<Arc<Metrics>>,
    /// The server's own `Content-Security-Policy` (the demo's), instead of the default one.
    pub(crate) content_security_policy: Option<HeaderValue>,
}

/// The middleware (`App::wrap`).
#[derive(Clone)]
pub(crate) struct Stack(pub(crate) StackConfig);

impl<S, B> Transform<S, ServiceRequest> for Stack
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = StackService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(StackService { service, config: Rc::new(self.0.clone()) }))
    }
}

/// One worker's instance of [`Stack`].
pub(crate) struct StackService<S> {
    service: S,
    config: Rc<StackConfig>,
}

/// What the access log and the metrics need of the request, taken before it is handed on.
struct Seen {
    started: Instant,
    method: Method,
    /// Only when the access log is on: the path is copied for it alone.
    path: Option<String>,
    /// Only with metrics: the matched route pattern.
    route: Option<String>,
}

impl<S, B> Service<ServiceRequest> for StackService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let config = Rc::clone(&self.config);
        let seen = Seen {
            started: Instant::now(),
            method: request.method().clone(),
            path: log::log_enabled!(target: ACCESS_LOG, log::Level::Info).then(|| request.path().to_owned()),
            // The resource map answers by path alone, before routing; unknown paths get one label.
            route: config.metrics.as_ref().map(|_| request.match_pattern().unwrap_or_else(|| UNMATCHED_ROUTE.into())),
        };
        let refused = config.loopback_only && !crate::host_check::is_loopback_request(request.head());
        let watch = if refused { None } else { body_deadline::watch(&mut request) };
        let inner = if refused { Err(request) } else { Ok(self.service.call(request)) };
        Box::pin(async move {
            let mut response = match inner {
                Ok(future) => match future.await {
                    Ok(response) => headers::json_error_body(response),
                    Err(err) => return Err(finish_error(&config, &seen, err)),
                },
                Err(request) => request.into_response(misdirected()).map_into_right_body(),
            };
            if let Some(watch) = watch {
                response = watch.settle(response);
            }
            // A refusal is not one of the server's pages: it gets the default policy.
            let own_policy = if refused { None } else { config.content_security_policy.as_ref() };
            headers::set_security_headers(response.headers_mut(), own_policy);
            answered(&config, &seen, response.status());
            Ok(response)
        })
    }
}

/// An error that escaped the inner layers: decorated like any response, passed on as an error.
fn finish_error(config: &StackConfig, seen: &Seen, err: Error) -> Error {
    let mut response = headers::json_error_response(err.error_response());
    headers::set_security_headers(response.headers_mut(), config.content_security_policy.as_ref());
    answered(config, seen, response.status());
    InternalError::from_response(err.to_string(), response).into()
}

/// The access-log line and the metrics of one answered request.
fn answered(config: &StackConfig, seen: &Seen, status: StatusCode) {
    let elapsed = seen.started.elapsed();
    if let Some(path) = &seen.path {
        log::info!(target: ACCESS_LOG, "{} {path} {} {elapsed:.1?}", seen.method, status.as_u16());
    }
    if let (Some(metrics), Some(route)) = (&config.metrics, &seen.route) {
        metrics.request_answered(route, &seen.method, status, elapsed.as_secs_f64());
    }
}

/// The answer to a `Host` that is not a loopback name in local mode.
fn misdirected() -> HttpResponse {
    HttpResponseBuilder::new(StatusCode::MISDIRECTED_REQUEST)
        .json(serde_json::json!({ "message": "Misdirected Request" }))
}

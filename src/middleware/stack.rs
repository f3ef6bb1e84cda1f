//! The one middleware every server wraps around its routes, written as a single actix
//! `Transform` so that a request pays for one boxed future, not one per layer. In order, it:
//! 1. in local mode, answers a `Host` that is not a loopback name with 421 ([`crate::host_check`]);
//! 2. puts the whole-body deadline on a request that has a body ([`super::body_deadline`]);
//! 3. after the routes (and CORS) answered: gives an error without a JSON body the body
//!    `{"message": …}` and sets the security headers ([`super::headers`]);
//! 4. writes the access-log line (`METHOD path status duration`, INFO, target
//!    `hello_api::middleware`) and, on the API, counts the request in the metrics.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::InternalError;
use actix_web::http::header::HeaderValue;
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::{Error, HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_core::future::LocalBoxFuture;

use super::{body_deadline, headers};
use crate::metrics::{Metrics, RequestSeries, UNMATCHED_ROUTE};

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
        let series = self.0.metrics.clone().map(RequestSeries::new);
        std::future::ready(Ok(StackService { service, worker: Rc::new(Worker { config: self.0.clone(), series }) }))
    }
}

/// One worker's instance of [`Stack`].
pub(crate) struct StackService<S> {
    service: S,
    worker: Rc<Worker>,
}

/// What one worker's stack keeps: the settings, and its handles on the request metrics.
struct Worker {
    config: StackConfig,
    series: Option<RequestSeries>,
}

/// What the access log and the metrics need of the request, taken before it is handed on (the
/// routes need the request to themselves).
struct Seen {
    started: Instant,
    method: Method,
    /// Only when the access log is on: the request target, whose path the log line names (a
    /// clone shares the bytes the request was read into).
    uri: Option<Uri>,
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
        let worker = Rc::clone(&self.worker);
        let config = &worker.config;
        let seen = Seen {
            started: Instant::now(),
            method: request.method().clone(),
            uri: log::log_enabled!(target: ACCESS_LOG, log::Level::Info).then(|| request.uri().clone()),
        };
        let refused = config.loopback_only && !crate::host_check::is_loopback_request(request.head());
        let watch = if refused { None } else { body_deadline::watch(&mut request) };
        let inner = if refused { Err(request) } else { Ok(self.service.call(request)) };
        Box::pin(async move {
            let mut response = match inner {
                Ok(future) => match future.await {
                    Ok(response) => headers::json_error_body(response),
                    Err(err) => return Err(finish_error(&worker, &seen, err)),
                },
                Err(request) => request.into_response(misdirected()).map_into_right_body(),
            };
            if let Some(watch) = watch {
                response = watch.settle(response);
            }
            // A refusal is not one of the server's pages: it gets the default policy.
            let own_policy = if refused { None } else { worker.config.content_security_policy.as_ref() };
            headers::set_security_headers(response.headers_mut(), own_policy);
            answered(&worker, &seen, response.status(), || route(response.request()));
            Ok(response)
        })
    }
}

/// An error that escaped the inner layers: decorated like any response, passed on as an error.
fn finish_error(worker: &Worker, seen: &Seen, err: Error) -> Error {
    let mut response = headers::json_error_response(err.error_response());
    headers::set_security_headers(response.headers_mut(), worker.config.content_security_policy.as_ref());
    // The request went down with the error: it is counted without its route.
    answered(worker, seen, response.status(), || UNMATCHED_ROUTE.into());
    InternalError::from_response(err.to_string(), response).into()
}

/// The route label of a routed request: the name of the resource that answered (the resources
/// of [`crate::routes::only`] are named by their path), else its pattern; one label for every
/// path that matched no route, so that made-up paths cannot grow the label set.
fn route(request: &HttpRequest) -> Cow<'_, str> {
    match request.match_name() {
        Some(name) => Cow::Borrowed(name),
        None => request.match_pattern().map_or(Cow::Borrowed(UNMATCHED_ROUTE), Cow::Owned),
    }
}

/// The access-log line and the metrics of one answered request; `route` is asked only when the
/// metrics are on.
fn answered<'a>(worker: &Worker, seen: &Seen, status: StatusCode, route: impl FnOnce() -> Cow<'a, str>) {
    let elapsed = seen.started.elapsed();
    if let Some(uri) = &seen.uri {
        log_access(seen.method.as_str(), uri.path(), status.as_str(), elapsed);
    }
    if let Some(series) = &worker.series {
        series.request_answered(&route(), &seen.method, status, elapsed.as_secs_f64());
    }
}

/// Logs the access line `METHOD path status duration`, put together by hand in memory the
/// thread reuses (formatting its four parts cost more than the rest of the line).
fn log_access(method: &str, path: &str, status: &str, elapsed: Duration) {
    thread_local! {
        static LINE: RefCell<String> = const { RefCell::new(String::new()) };
    }
    LINE.with_borrow_mut(|line| {
        line.clear();
        for part in [method, " ", path, " ", status, " "] {
            line.push_str(part);
        }
        push_duration(line, elapsed);
        log::info!(target: ACCESS_LOG, "{line}");
        // A long path does not keep its memory for the life of the worker.
        if line.capacity() > 4096 {
            *line = String::new();
        }
    });
}

/// Appends `elapsed` as `{:.1?}` writes a `Duration` (`139.6µs`, `1.2ms`, `850.0ns`).
fn push_duration(line: &mut String, elapsed: Duration) {
    // In 64 bits (584 years), which divide far faster than the 128 of `as_nanos`.
    let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
    let (unit, per_unit) = match nanos {
        1_000_000_000.. => ("s", 1_000_000_000),
        1_000_000.. => ("ms", 1_000_000),
        1_000.. => ("µs", 1_000),
        _ => ("ns", 1),
    };
    // Tenths of the unit, rounded half to even as `Debug` does.
    let tenths = match per_unit / 10 {
        0 => nanos * 10,
        tenth => {
            let (whole, rest) = (nanos / tenth, nanos % tenth);
            whole + u64::from(rest > tenth / 2 || (rest == tenth / 2 && whole % 2 == 1))
        }
    };
    // The digits of the whole number, from the last.
    let mut digits = [0_u8; 20];
    let mut start = digits.len();
    let mut whole = tenths / 10;
    loop {
        start -= 1;
        digits[start] = b'0' + (whole % 10) as u8;
        whole /= 10;
        if whole == 0 {
            break;
        }
    }
    line.extend(digits[start..].iter().map(|&digit| char::from(digit)));
    line.push('.');
    line.push(char::from(b'0' + (tenths % 10) as u8));
    line.push_str(unit);
}

/// The answer to a `Host` that is not a loopback name in local mode.
fn misdirected() -> HttpResponse {
    HttpResponseBuilder::new(StatusCode::MISDIRECTED_REQUEST)
        .json(serde_json::json!({ "message": "Misdirected Request" }))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::push_duration;

    #[test]
    fn a_duration_reads_as_its_debug_with_one_decimal() {
        let edges = [0, 1, 5, 999, 1_000, 1_049, 1_050, 1_051, 9_950, 99_949, 99_950, 999_949, 999_950, 1_000_000];
        let more = [1_049_999, 1_050_000, 999_950_000, 999_949_999, 1_000_000_000, 1_049_999_999, 1_050_000_000];
        let nanos = edges.into_iter().chain(more).chain((0..200_000).map(|i| i * 7_919 % 3_000_000_000));
        for nanos in nanos {
            let duration = Duration::from_nanos(nanos);
            assert_eq!(written(duration), format!("{duration:.1?}"), "{nanos} ns");
        }
        let long = Duration::from_secs(86_400 * 365);
        assert_eq!(written(long), format!("{long:.1?}"));
    }

    fn written(duration: Duration) -> String {
        let mut line = String::from("GET / 200 ");
        push_duration(&mut line, duration);
        line.split_off("GET / 200 ".len())
    }
}

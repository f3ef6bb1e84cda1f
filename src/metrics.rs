//! Prometheus metrics of the API (docs/operations.md, "Metrics"), served at `GET /metrics` in the
//! text exposition format 0.0.4 unless `METRICS=off`.
//!
//! Every label is bounded: `route` is the pattern of the matched route (or `unmatched`), never the
//! raw path; `method` is a standard method name (or `other`); `status` is a three-digit code;
//! `outcome` is `valid`, `keys_unavailable`, or a token error's stable code (its fixed phrase with
//! `_` for spaces, frozen in `InvalidToken::code`); for DPoP proofs `valid`, `store_unavailable`,
//! or a proof error's stable code. The auth layer reports to the metrics through its observer
//! traits; it does not know them.
//! The hot path touches atomic counters only: no lock is held across a request and nothing is
//! formatted until a scrape.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::auth::dpop::DpopObserver;
use crate::auth::{KeySetObserver, TokenObserver};

/// The `outcome` of a token or proof that passed.
const VALID: &str = "valid";

/// The `route` label of a request that matched no route, so that made-up paths cannot grow the
/// label set.
pub(crate) const UNMATCHED_ROUTE: &str = "unmatched";

/// Request duration buckets, in seconds: 100 µs to 5 s (a cached check takes well under 1 ms; a
/// key-set fetch may take up to its 5 s timeout).
const DURATION_BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 5.0];

/// The API's metrics, registered once at start-up and shared by every worker.
pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    token_checks: IntCounterVec,
    valid_tokens: IntCounter,
    fetches_ok: IntCounter,
    fetches_failed: IntCounter,
    keys: IntGauge,
    token_cache_hits: IntCounter,
    dpop_checks: IntCounterVec,
}

impl Metrics {
    /// Registers every metric, at zero.
    pub(crate) fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("hello_api_http_requests_total", "HTTP requests answered, by route pattern, method and status."),
            &["route", "method", "status"],
        )
        .expect("a valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "hello_api_http_request_duration_seconds",
                "Time from the request's arrival to its response, by route pattern.",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("a valid metric");
        let token_checks = IntCounterVec::new(
            Opts::new(
                "hello_api_token_checks_total",
                "Access tokens checked, by outcome: valid, keys_unavailable, or why the token is not valid.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        let fetches = IntCounterVec::new(
            Opts::new("hello_api_key_set_fetches_total", "Key-set fetches (metadata and key set), by result."),
            &["result"],
        )
        .expect("a valid metric");
        let keys =
            IntGauge::new("hello_api_key_set_keys", "Usable keys in the key set in use.").expect("a valid metric");
        let token_cache_hits = IntCounter::new(
            "hello_api_token_cache_hits_total",
            "Token checks answered from the cache of verified tokens.",
        )
        .expect("a valid metric");
        let dpop_checks = IntCounterVec::new(
            Opts::new(
                "hello_api_dpop_checks_total",
                "DPoP proofs checked, by outcome: valid, store_unavailable, or why the proof is refused.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(token_checks.clone()),
            Box::new(fetches.clone()),
            Box::new(keys.clone()),
            Box::new(token_cache_hits.clone()),
            Box::new(dpop_checks.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Self {
            valid_tokens: token_checks.with_label_values(&[VALID]),
            fetches_ok: fetches.with_label_values(&["ok"]),
            fetches_failed: fetches.with_label_values(&["error"]),
            registry,
            requests,
            durations,
            token_checks,
            keys,
            token_cache_hits,
            dpop_checks,
        }
    }

    /// The text exposition of every metric.
    pub(crate) fn render(&self) -> String {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text).expect("encoding into memory cannot fail");
        String::from_utf8(text).expect("the text format is UTF-8")
    }
}

// The auth layer reports what it does through its observer traits, each outcome a stable code
// (`AuthError::code`, `ProofError::code`): labels never come from an error's wording.
impl TokenObserver for Metrics {
    /// `outcome` is `valid` or a stable code (`keys_unavailable`, an `InvalidToken` code): bounded.
    fn token_checked(&self, outcome: &'static str) {
        // The common outcome skips the label lookup.
        if outcome == VALID {
            self.valid_tokens.inc();
        } else {
            self.token_checks.with_label_values(&[outcome]).inc();
        }
    }

    fn token_cache_hit(&self) {
        self.token_cache_hits.inc();
    }
}

impl KeySetObserver for Metrics {
    fn key_set_fetched(&self, ok: bool, keys: usize) {
        if ok { &self.fetches_ok } else { &self.fetches_failed }.inc();
        self.keys.set(i64::try_from(keys).unwrap_or(i64::MAX));
    }
}

impl DpopObserver for Metrics {
    /// `outcome` is a stable code (`valid`, `store_unavailable`, a proof error's code): bounded.
    fn proof_checked(&self, outcome: &'static str) {
        self.dpop_checks.with_label_values(&[outcome]).inc();
    }
}

/// One worker's handles on the request series it has counted, so that a request touches two
/// atomic counters and no label lookup (which hashes the labels under a lock). At most
/// [`RequestSeries::CAPACITY`] series are kept; a worker that sees more counts the rest through
/// the lookup. Not `Send`: each worker builds its own ([`crate::middleware`]).
pub(crate) struct RequestSeries {
    metrics: std::sync::Arc<Metrics>,
    known: std::cell::RefCell<Vec<Series>>,
}

/// The series of one route, method and status.
struct Series {
    route: Box<str>,
    method: &'static str,
    status: StatusCode,
    requests: IntCounter,
    durations: Histogram,
}

impl RequestSeries {
    /// More series than the routes, methods and statuses a client normally meets.
    const CAPACITY: usize = 64;

    pub(crate) fn new(metrics: std::sync::Arc<Metrics>) -> Self {
        Self { metrics, known: std::cell::RefCell::new(Vec::new()) }
    }

    /// Counts one answered request and its duration.
    pub(crate) fn request_answered(&self, route: &str, method: &Method, status: StatusCode, seconds: f64) {
        let method = method_label(method);
        let mut known = self.known.borrow_mut();
        let found =
            known.iter().find(|series| series.status == status && series.method == method && *series.route == *route);
        if let Some(series) = found {
            series.requests.inc();
            series.durations.observe(seconds);
            return;
        }
        let series = Series {
            route: route.into(),
            method,
            status,
            requests: self.metrics.requests.with_label_values(&[route, method, status.as_str()]),
            durations: self.metrics.durations.with_label_values(&[route]),
        };
        series.requests.inc();
        series.durations.observe(seconds);
        if known.len() < Self::CAPACITY {
            known.push(series);
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The `method` label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    const NAMES: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];
    STANDARD.iter().position(|standard| standard == method).map_or("other", |index| NAMES[index])
}

/// `GET /metrics`: the text exposition (`text/plain; version=0.0.4`).
pub(crate) async fn serve(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::InvalidToken;
    use crate::auth::dpop::ProofError;

    /// The `outcome` label of each token error as published: a time series is renamed only by
    /// editing this list on purpose (docs/operations.md, "Metrics").
    const TOKEN_OUTCOMES: [(InvalidToken, &str); 21] = [
        (InvalidToken::MalformedHeader, "authorization_header_is_malformed"),
        (InvalidToken::TooLarge, "token_is_too_large"),
        (InvalidToken::Malformed, "token_is_malformed"),
        (InvalidToken::AlgorithmNotAccepted, "algorithm_is_not_accepted"),
        (InvalidToken::CriticalHeader, "critical_header_parameters_are_not_supported"),
        (InvalidToken::WrongType, "token_type_is_not_accepted"),
        (InvalidToken::MissingKid, "token_has_no_key_id"),
        (InvalidToken::UnknownKid, "key_id_is_unknown"),
        (InvalidToken::KeyMismatch, "key_does_not_fit_the_algorithm"),
        (InvalidToken::BadSignature, "signature_is_invalid"),
        (InvalidToken::MissingExpiry, "token_has_no_expiry"),
        (InvalidToken::Expired, "token_has_expired"),
        (InvalidToken::NotYetValid, "token_is_not_yet_valid"),
        (InvalidToken::IssuedInFuture, "token_is_issued_in_the_future"),
        (InvalidToken::WrongIssuer, "issuer_is_not_accepted"),
        (InvalidToken::WrongAudience, "audience_is_not_accepted"),
        (InvalidToken::TenantNotAllowed, "tenant_is_not_allowed"),
        (InvalidToken::UnusableClaims, "claims_are_not_usable"),
        (InvalidToken::NotDpopBound, "token_is_not_DPoP-bound"),
        (InvalidToken::BoundTokenAsBearer, "DPoP-bound_token_sent_as_Bearer"),
        (InvalidToken::ProofRequired, "DPoP_proof_required"),
    ];

    /// The same for proof errors.
    const PROOF_OUTCOMES: [(ProofError, &str); 15] = [
        (ProofError::Missing, "proof_is_missing"),
        (ProofError::Multiple, "only_one_proof_is_allowed"),
        (ProofError::Malformed, "proof_is_malformed"),
        (ProofError::WrongType, "proof_type_is_not_dpop+jwt"),
        (ProofError::AlgorithmNotAccepted, "proof_algorithm_is_not_accepted"),
        (ProofError::UnusableKey, "proof_key_is_not_usable"),
        (ProofError::PrivateKey, "proof_key_is_not_public"),
        (ProofError::BadSignature, "proof_signature_is_invalid"),
        (ProofError::MissingClaims, "proof_claims_are_missing"),
        (ProofError::WrongMethod, "proof_is_for_another_method"),
        (ProofError::WrongUrl, "proof_is_for_another_URL"),
        (ProofError::OutOfWindow, "proof_is_outside_its_time_window"),
        (ProofError::WrongToken, "proof_is_for_another_token"),
        (ProofError::WrongKey, "proof_key_is_not_the_token's"),
        (ProofError::Reused, "proof_was_already_used"),
    ];

    #[test]
    fn token_outcome_labels_stay_exactly_as_published() {
        assert_eq!(TOKEN_OUTCOMES.map(|(reason, _)| reason), InvalidToken::ALL, "every token error is listed");
        let metrics = Metrics::new();
        metrics.token_checked(VALID);
        for (reason, label) in TOKEN_OUTCOMES {
            assert_eq!(reason.code(), label, "{reason:?}");
            metrics.token_checked(reason.code());
        }
        metrics.token_checked(crate::auth::AuthError::KeysUnavailable { retry_after: Default::default() }.code());
        let text = metrics.render();
        let counted = |label: &str| format!(r#"hello_api_token_checks_total{{outcome="{label}"}} 1"#);
        for label in TOKEN_OUTCOMES.map(|(_, label)| label).into_iter().chain([VALID, "keys_unavailable"]) {
            assert!(text.contains(&counted(label)), "{label}: {text}");
        }
    }

    #[test]
    fn proof_outcome_labels_stay_exactly_as_published() {
        assert_eq!(PROOF_OUTCOMES.map(|(reason, _)| reason), ProofError::ALL, "every proof error is listed");
        let metrics = Metrics::new();
        for (reason, label) in PROOF_OUTCOMES {
            assert_eq!(reason.code(), label, "{reason:?}");
            metrics.proof_checked(reason.code());
        }
        let text = metrics.render();
        for (_, label) in PROOF_OUTCOMES {
            assert!(
                text.contains(&format!(r#"hello_api_dpop_checks_total{{outcome="{label}"}} 1"#)),
                "{label}: {text}"
            );
        }
    }

    #[test]
    fn a_workers_series_count_like_the_lookup_and_past_their_capacity_too() {
        let metrics = std::sync::Arc::new(Metrics::new());
        let series = RequestSeries::new(metrics.clone());
        let routes: Vec<String> = (0..RequestSeries::CAPACITY + 6).map(|i| format!("/r{i}")).collect();
        for _ in 0..3 {
            for route in &routes {
                series.request_answered(route, &Method::GET, StatusCode::OK, 0.0002);
            }
            series.request_answered("/r0", &Method::POST, StatusCode::NOT_FOUND, 0.2);
        }
        // A second worker counts into the same series.
        RequestSeries::new(metrics.clone()).request_answered("/r0", &Method::GET, StatusCode::OK, 0.0002);
        let text = metrics.render();
        for (i, route) in routes.iter().enumerate() {
            let count = if i == 0 { 4 } else { 3 };
            let line = format!(r#"hello_api_http_requests_total{{method="GET",route="{route}",status="200"}} {count}"#);
            assert!(text.contains(&line), "{line}: {text}");
        }
        assert!(text.contains(r#"hello_api_http_requests_total{method="POST",route="/r0",status="404"} 3"#), "{text}");
        assert!(text.contains(r#"hello_api_http_request_duration_seconds_count{route="/r0"} 7"#), "{text}");
        assert!(text.contains(r#"hello_api_http_request_duration_seconds_bucket{route="/r0",le="0.5"} 7"#), "{text}");
        assert!(text.contains(r#"hello_api_http_request_duration_seconds_bucket{route="/r0",le="0.1"} 4"#), "{text}");
    }

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"MADEUP").unwrap()), "other");
    }
}

//! Prometheus metrics of the API (docs/operations.md, "Metrics"), served at `GET /metrics` in the
//! text exposition format 0.0.4 unless `METRICS=off`.
//!
//! Every label is bounded: `route` is the pattern of the matched route (or `unmatched`), never the
//! raw path; `method` is a standard method name (or `other`); `status` is a three-digit code;
//! `outcome` is `valid`, `keys_unavailable`, or a token error's fixed phrase with `_` for spaces
//! (for DPoP proofs: `valid`, `store_unavailable`, or a proof error's stable code).
//! The hot path touches atomic counters only: no lock is held across a request and nothing is
//! formatted until a scrape.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::auth::AuthError;

/// The `route` label of a request that matched no route, so that made-up paths cannot grow the
/// label set.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Request duration buckets, in seconds: 100 µs to 5 s (a cached check takes well under 1 ms; a
/// key-set fetch may take up to its 5 s timeout).
const DURATION_BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 5.0];

/// The API's metrics, registered once at start-up and shared by every worker.
pub struct Metrics {
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
    pub fn new() -> Self {
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
            valid_tokens: token_checks.with_label_values(&["valid"]),
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

    /// Counts one answered request and its duration.
    pub fn request_answered(&self, route: &str, method: &Method, status: StatusCode, seconds: f64) {
        self.requests.with_label_values(&[route, method_label(method), status.as_str()]).inc();
        self.durations.with_label_values(&[route]).observe(seconds);
    }

    /// Counts one token check by its outcome.
    pub fn token_checked<T>(&self, result: &Result<T, AuthError>) {
        match result {
            Ok(_) => self.valid_tokens.inc(),
            Err(AuthError::InvalidToken(reason)) => {
                // Only failures format their phrase; the phrases are a fixed set.
                let outcome = reason.to_string().replace(' ', "_");
                self.token_checks.with_label_values(&[outcome.as_str()]).inc();
            }
            Err(AuthError::KeysUnavailable { .. }) => self.token_checks.with_label_values(&["keys_unavailable"]).inc(),
            Err(
                AuthError::MissingToken
                | AuthError::InsufficientScope(_)
                | AuthError::InvalidProof(_)
                | AuthError::ProofStoreUnavailable { .. },
            ) => {}
        }
    }

    /// Counts a token check answered from the cache of verified tokens.
    pub fn token_cache_hit(&self) {
        self.token_cache_hits.inc();
    }

    /// Counts one key-set fetch; `keys` is the number of keys in use after it.
    pub fn key_set_fetched(&self, ok: bool, keys: usize) {
        if ok { &self.fetches_ok } else { &self.fetches_failed }.inc();
        self.keys.set(i64::try_from(keys).unwrap_or(i64::MAX));
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text).expect("encoding into memory cannot fail");
        String::from_utf8(text).expect("the text format is UTF-8")
    }
}

impl crate::auth::dpop::DpopObserver for Metrics {
    /// `outcome` is a stable code (`valid`, `store_unavailable`, a proof error's code): bounded.
    fn proof_checked(&self, outcome: &'static str) {
        self.dpop_checks.with_label_values(&[outcome]).inc();
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
pub async fn serve(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::InvalidToken;

    #[test]
    fn token_outcomes_are_the_fixed_phrases_with_underscores() {
        let metrics = Metrics::new();
        metrics.token_checked::<()>(&Ok(()));
        metrics.token_checked::<()>(&Err(InvalidToken::Expired.into()));
        metrics.token_checked::<()>(&Err(InvalidToken::Expired.into()));
        metrics.token_checked::<()>(&Err(AuthError::MissingToken));
        let text = metrics.render();
        assert!(text.contains(r#"hello_api_token_checks_total{outcome="valid"} 1"#), "{text}");
        assert!(text.contains(r#"hello_api_token_checks_total{outcome="token_has_expired"} 2"#), "{text}");
        // A missing token is no token check: the three checks above make exactly these two series.
        let counted: Vec<&str> =
            text.lines().filter(|line| line.starts_with("hello_api_token_checks_total{")).collect();
        assert_eq!(counted.len(), 2, "{text}");
    }

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"MADEUP").unwrap()), "other");
    }
}

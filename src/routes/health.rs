//! Probes for load balancers and Kubernetes (docs/operations.md, "Health"): liveness, and
//! readiness tied to the key set and to a graceful stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::KeySet;
use crate::auth::dpop::ReplayStore;

/// `Retry-After` of a 503 from `/health/ready`, in seconds.
pub(crate) const NOT_READY_RETRY_AFTER_SECONDS: u64 = 5;

/// Whether the API should get traffic: a key set is loaded and no graceful stop has begun.
#[derive(Clone)]
pub(crate) struct Readiness {
    key_set: Arc<KeySet>,
    stopping: Arc<AtomicBool>,
    drain: Duration,
    replay_store: Option<Arc<ReplayStore>>,
}

impl Readiness {
    /// Readiness of an API that trusts `key_set`; not stopping. A stop waits `drain`
    /// (`DRAIN_SECONDS`) after turning readiness off.
    pub(crate) fn new(key_set: Arc<KeySet>, drain: Duration) -> Self {
        Self { key_set, stopping: Arc::new(AtomicBool::new(false)), drain, replay_store: None }
    }

    /// Not ready either while `store` (the DPoP replay store) cannot be reached.
    pub(crate) fn with_replay_store(mut self, store: Arc<ReplayStore>) -> Self {
        self.replay_store = Some(store);
        self
    }

    /// The first step of a graceful stop: from now on `/health/ready` answers 503, while every
    /// request is still served for `drain`, long enough for load balancers to notice.
    pub(crate) async fn drain(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        if !self.drain.is_zero() {
            log::info!("not ready: draining for {} s before closing the listeners", self.drain.as_secs());
            tokio::time::sleep(self.drain).await;
        }
    }
}

/// `{"status":"live"}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Live {
    status: LiveStatus,
}

/// The one status of [`Live`].
#[derive(Serialize, ToSchema)]
pub(crate) enum LiveStatus {
    /// `live`
    #[serde(rename = "live")]
    Live,
}

/// `{"status":"ready","keys":N}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Ready {
    status: ReadyStatus,
    /// Usable keys in the key set in use.
    #[schema(minimum = 0)]
    keys: u64,
}

/// The one status of [`Ready`].
#[derive(Serialize, ToSchema)]
pub(crate) enum ReadyStatus {
    /// `ready`
    #[serde(rename = "ready")]
    Ready,
}

/// `{"status":"not ready","reason":"…"}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct NotReady {
    status: NotReadyStatus,
    reason: NotReadyReason,
}

/// The one status of [`NotReady`].
#[derive(Serialize, ToSchema)]
pub(crate) enum NotReadyStatus {
    /// `not ready`
    #[serde(rename = "not ready")]
    NotReady,
}

/// Why the API is not ready.
#[derive(Serialize, ToSchema)]
pub(crate) enum NotReadyReason {
    /// No key set was ever loaded: no token could be checked.
    #[serde(rename = "no key set loaded yet")]
    NoKeySet,
    /// A graceful stop has begun: the load balancer should send traffic elsewhere.
    #[serde(rename = "stopping")]
    Stopping,
    /// The configured DPoP replay store (Redis) cannot be reached: DPoP requests would get 503.
    #[serde(rename = "replay store unreachable")]
    ReplayStoreUnreachable,
}

/// `GET /health/live`: 200 while the process serves requests.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "health",
    responses(
        (status = 200, description = "The process serves requests.", body = Live),
    )
)]
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Live { status: LiveStatus::Live })
}

/// `GET /health/ready`: 200 once a key set is loaded (also while the last good keys are kept
/// during an issuer outage); 503 before that, from the start of a graceful stop, and while the
/// configured Redis replay store cannot be reached.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses(
        (status = 200, description = "A key set is loaded: tokens can be checked.", body = Ready),
        (status = 503, description = "No key set was ever loaded, a graceful stop has begun, or the configured DPoP replay store (Redis) cannot be reached.", body = NotReady,
            headers(("Retry-After" = u64, description = "Seconds to wait before asking again."))),
    )
)]
pub(crate) async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let reason = if readiness.stopping.load(Ordering::SeqCst) {
        NotReadyReason::Stopping
    } else {
        match readiness.key_set.key_count() {
            None => NotReadyReason::NoKeySet,
            Some(_) if !replay_store_reachable(&readiness).await => NotReadyReason::ReplayStoreUnreachable,
            Some(keys) => return HttpResponse::Ok().json(Ready { status: ReadyStatus::Ready, keys: keys as u64 }),
        }
    };
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, NOT_READY_RETRY_AFTER_SECONDS))
        .json(NotReady { status: NotReadyStatus::NotReady, reason })
}

async fn replay_store_reachable(readiness: &Readiness) -> bool {
    match &readiness.replay_store {
        Some(store) => store.reachable().await,
        None => true,
    }
}

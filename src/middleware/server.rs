//! The one way a server is assembled: the API, the local issuer and the demo each hand their
//! routes to [`serve`], which wraps them in the one middleware stack and runs them with the one
//! set of limits and timeouts.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::Condition;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::limits;
use super::stack::{Stack, StackConfig};
use crate::memory;

/// Builds a server's CORS policy, once per worker (actix's `Cors` is not `Send`).
pub(crate) type CorsPolicy = Arc<dyn Fn() -> Cors + Send + Sync>;

/// What differs between the three servers beside their routes.
#[derive(Clone, Default)]
pub(crate) struct ServerOptions {
    /// The stack's settings: Host check, metrics, the server's own CSP.
    pub(crate) stack: StackConfig,
    /// CORS for the allowed browser origin; `None` for a server no other origin calls (the demo).
    pub(crate) cors: Option<CorsPolicy>,
    /// Worker threads; `None` for one per core (the API).
    pub(crate) workers: Option<usize>,
}

/// Serves `routes` on `listeners` behind the stack of [`super::stack`] (and CORS inside it), with
/// [`limits`]: the request-head and body timeouts, keep-alive, connections per worker, and the
/// size of a raw, form or JSON body. Unknown paths answer a JSON 404.
pub(crate) fn serve<R>(listeners: Vec<TcpListener>, options: ServerOptions, routes: R) -> std::io::Result<Server>
where
    R: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let ServerOptions { stack, cors, workers } = options;
    let mut server = HttpServer::new(move || {
        let cors_policy = cors.as_ref().map_or_else(Cors::default, |policy| policy());
        App::new()
            .app_data(web::PayloadConfig::new(limits::MAX_BODY_BYTES))
            .app_data(web::FormConfig::default().limit(limits::MAX_BODY_BYTES))
            .app_data(web::JsonConfig::default().limit(limits::MAX_BODY_BYTES))
            .wrap(Condition::new(cors.is_some(), cors_policy))
            .wrap(Stack(stack.clone()))
            .configure(routes.clone())
            .default_service(web::to(HttpResponse::NotFound))
    })
    .client_request_timeout(limits::REQUEST_HEAD_TIMEOUT)
    .client_disconnect_timeout(limits::DISCONNECT_TIMEOUT)
    .keep_alive(limits::KEEP_ALIVE)
    // Counted while open; the process gives freed memory back when none is left (src/memory.rs).
    .on_connect(|_, data| {
        data.insert(memory::CONNECTIONS.opened());
    })
    .max_connections(limits::MAX_CONNECTIONS_PER_WORKER)
    .disable_signals();
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    for listener in listeners {
        server = server.listen(listener)?;
    }
    Ok(server.run())
}

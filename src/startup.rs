//! Builds the application from settings: binds the listeners, starts the local issuer in local
//! mode, builds the shared key set and validator once, and serves.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use url::Url;

use crate::auth::{IssuerCheck, KeySet, KeySource, Validator};
use crate::config::{Settings, defaults, vars};
use crate::demo::{DemoClientConfig, DemoConfig};
use crate::local_issuer::{self, IssuerState, KeyFileError, SigningKey};
use crate::metrics::Metrics;
use crate::middleware::{ServerOptions, StackConfig};
use crate::routes;
use crate::routes::health::Readiness;
use crate::routes::openapi::{self, TokenEndpoint};
use crate::urls::{is_loopback, metadata_url};

/// A start-up failure other than configuration, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A listener could not be bound.
    #[error("{variable}: cannot listen on {address}: {source}")]
    Bind {
        /// The variable that chose the address.
        variable: &'static str,
        /// `host:port`.
        address: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The local issuer's key file is unusable.
    #[error("LOCAL_ISSUER_KEY_FILE: {0}")]
    KeyFile(#[from] KeyFileError),
    /// The HTTP client could not be built (no TLS roots, …).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
    /// A server could not be started on its listener.
    #[error("cannot start serving: {0}")]
    Serve(#[from] std::io::Error),
}

/// The running servers: the API, and in local mode the local issuer and the browser demo.
pub struct Application {
    api_url: String,
    api: Server,
    local_issuer: Option<(String, Server)>,
    demo: Option<(String, Server)>,
    readiness: Readiness,
    curl_hint: Option<String>,
}

fn bind(variable: &'static str, host: &str, port: u16) -> Result<TcpListener, StartupError> {
    let address = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    TcpListener::bind(address.as_str()).map_err(|source| StartupError::Bind { variable, address, source })
}

/// How a browser on this machine reaches a server bound to `host:port`.
fn browser_url(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => format!("http://localhost:{port}"),
        Ok(IpAddr::V6(ip)) => format!("http://[{ip}]:{port}"),
        _ => format!("http://{host}:{port}"),
    }
}

impl Application {
    /// Binds every listener (port 0 picks a free one), starts the key-set fetch in the
    /// background, and builds the servers. Must be called within the runtime that will run them.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_routes(settings, |_| {}).await
    }

    /// Like [`Application::build`], with `extra_routes` registered on the API beside the messages,
    /// inside the same middleware (security headers, CORS, JSON errors). The workshop's exercises
    /// add their routes this way (workshop/README.md).
    pub async fn build_with_routes(
        settings: Settings,
        extra_routes: fn(&mut web::ServiceConfig),
    ) -> Result<Self, StartupError> {
        let listen = &settings.listen;
        let api_listener = bind(vars::PORT.variable(), &listen.host, listen.port)?;
        let api_url = browser_url(&listen.host, api_listener.local_addr()?.port());

        // The demo is served at CLIENT_ORIGIN_URL; with port 0 the bound port becomes the origin.
        let mut client_origin = listen.client_origin.clone();
        let demo_listeners = match Url::parse(&client_origin) {
            Ok(origin) if settings.serve_demo && origin.scheme() == "http" && is_loopback(&origin) => {
                let listeners = bind_demo(&origin)?;
                let bound = listeners[0].local_addr()?.port();
                let mut origin = origin;
                let _ = origin.set_port(Some(bound));
                client_origin = origin.origin().ascii_serialization();
                listeners
            }
            _ => Vec::new(),
        };

        let mut local_issuer = None;
        let mut userinfo_validator = None;
        let source = match settings.authority.key_source() {
            Some(source) => source,
            None => {
                let (url, server, source, slot) = start_local_issuer(&settings, &client_origin)?;
                local_issuer = Some((url, server));
                userinfo_validator = Some(slot);
                source
            }
        };

        let loopback = match &source {
            KeySource::Fixed { jwks_uri: url, .. } | KeySource::Discovery { metadata_url: url, .. } => is_loopback(url),
        };
        let policy = &settings.tokens.policy;
        let key_set = KeySet::new(source, KeySet::http_client(loopback)?, policy.algorithms.clone(), settings.key_set);
        key_set.start();
        let metrics = settings.operations.metrics.then(|| Arc::new(Metrics::new()));
        if let Some(metrics) = &metrics {
            key_set.report_to(Arc::clone(metrics) as _);
        }
        let observer = metrics.clone().map(|metrics| metrics as Arc<dyn crate::auth::dpop::DpopObserver>);
        let dpop = web::Data::new(settings.dpop.gate(policy.leeway, observer));
        let readiness =
            Readiness::new(Arc::clone(&key_set), settings.operations.drain).with_replay_store(Arc::clone(dpop.store()));
        let validator = Validator::new(key_set, policy.clone(), settings.tokens.cache_size);
        let validator = web::Data::new(match &metrics {
            Some(metrics) => validator.with_observer(Arc::clone(metrics) as _),
            None => validator,
        });
        // The issuer's `/userinfo` checks tokens with this same validator.
        if let Some(slot) = userinfo_validator {
            let _ = slot.set(validator.clone());
        }
        let token_endpoint = match &local_issuer {
            Some((url, _)) => TokenEndpoint::Local(url),
            None => TokenEndpoint::Configured(&settings.authority),
        };
        let operations =
            Operations { readiness: readiness.clone(), metrics, openapi: openapi::document(token_endpoint) };
        let local_mode = local_issuer.is_some();
        let api = api_server(api_listener, (validator, dpop), operations, &client_origin, local_mode, extra_routes)?;

        let issuer_url = local_issuer.as_ref().map(|(url, _)| url.clone());
        let curl_hint = issuer_url.as_ref().map(|issuer| curl_hint(&api_url, issuer, &settings));
        let demo = if demo_listeners.is_empty() {
            None
        } else {
            let config = demo_config(&settings, &api_url, issuer_url.as_deref());
            Some((client_origin, crate::demo::server(demo_listeners, config, local_mode)?))
        };
        Ok(Self { api_url, api, local_issuer, demo, readiness, curl_hint })
    }

    /// The API's base URL, e.g. `http://127.0.0.1:6060`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The local issuer's URL (`http://127.0.0.1:{port}/`), in local mode.
    pub fn local_issuer_url(&self) -> Option<&str> {
        self.local_issuer.as_ref().map(|(url, _)| url.as_str())
    }

    /// The browser demo's origin, when it is served.
    pub fn demo_origin(&self) -> Option<&str> {
        self.demo.as_ref().map(|(origin, _)| origin.as_str())
    }

    /// Logs where everything listens, and in local mode how to try it.
    pub fn announce(&self) {
        log::info!("hello-api listening on {}", self.api_url);
        if let Some(issuer) = self.local_issuer_url() {
            log::warn!(
                "local mode: the embedded issuer at {issuer} is for development only; configure AUTH0_DOMAIN or ISSUER_BASE_URL for anything else"
            );
        }
        if let Some(origin) = self.demo_origin() {
            log::info!("browser demo at {origin}");
        }
        if let Some(curl) = &self.curl_hint {
            println!("\nTry the admin message with a token from the local issuer:\n\n  {curl}\n");
        }
    }

    /// Something that stops every server: in-flight requests finish, new connections are refused.
    pub fn stopper(&self) -> Stopper {
        let mut handles = vec![self.api.handle()];
        handles.extend(self.local_issuer.iter().chain(&self.demo).map(|(_, server)| server.handle()));
        Stopper { handles, readiness: self.readiness.clone() }
    }

    /// Serves until every server stops (see [`Application::stopper`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let optional = |server: Option<(String, Server)>| async move {
            match server {
                Some((_, server)) => server.await,
                None => Ok(()),
            }
        };
        tokio::try_join!(self.api, optional(self.local_issuer), optional(self.demo))?;
        Ok(())
    }
}

/// Stops the application's servers gracefully.
#[derive(Clone)]
pub struct Stopper {
    handles: Vec<actix_web::dev::ServerHandle>,
    readiness: Readiness,
}

impl Stopper {
    /// Turns `/health/ready` to 503 and waits `DRAIN_SECONDS`, then stops accepting connections,
    /// lets in-flight requests finish (up to 30 s), and stops.
    pub async fn stop(&self) {
        self.readiness.drain().await;
        // The API first: the issuer and the demo stay up while its last requests finish.
        for handle in &self.handles {
            handle.stop(true).await;
        }
    }

    /// Listens for SIGTERM and Ctrl-C (SIGINT) from now on; the future stops gracefully at the
    /// first of them. (actix-web's own handling would treat Ctrl-C as a forced stop that drops
    /// in-flight requests.)
    #[cfg(unix)]
    pub fn stop_on_signal(self) -> std::io::Result<impl Future<Output = ()>> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => log::info!("Ctrl-C: stopping gracefully"),
                _ = terminate.recv() => log::info!("SIGTERM: stopping gracefully"),
            }
            self.stop().await;
        })
    }
}

/// Starts the embedded local issuer (local mode): its URL, its server, and the key source that
/// trusts it through discovery like any other issuer.
fn start_local_issuer(
    settings: &Settings,
    client_origin: &str,
) -> Result<(String, Server, KeySource, local_issuer::ValidatorSlot), StartupError> {
    // `localhost` keeps the issuer same-site with the SPA on `http://localhost:*`, so its session
    // cookie reaches it from the SDK's hidden iframe (docs/sign-in.md).
    let listener = bind(vars::LOCAL_ISSUER_PORT.variable(), "127.0.0.1", settings.local.port)?;
    let port = listener.local_addr()?.port();
    let mut listeners = vec![listener];
    listeners.extend(TcpListener::bind((Ipv6Addr::LOCALHOST, port)).ok());
    let issuer_url = format!("http://localhost:{port}/");
    let key = SigningKey::load_or_create(&settings.local.key_file)?;
    let clients = local_issuer::demo_clients(&settings.local);
    let proof_policy = settings.dpop.proof_policy(settings.tokens.policy.leeway);
    let audience = settings.tokens.policy.audiences[0].clone();
    let state = IssuerState::new(issuer_url.clone(), audience, key, clients, proof_policy);
    let validator_slot = state.validator_slot();
    let server = local_issuer::server(listeners, state, client_origin)?;
    let metadata_url = Url::parse(&issuer_url).map(|url| metadata_url(&url)).expect("the local issuer URL is valid");
    let issuer = IssuerCheck::Equals(issuer_url.clone());
    Ok((issuer_url, server, KeySource::Discovery { metadata_url, issuer }, validator_slot))
}

/// Binds the demo's origin: `localhost` means both 127.0.0.1 and, when available, [::1].
fn bind_demo(origin: &Url) -> Result<Vec<TcpListener>, StartupError> {
    let port = origin.port_or_known_default().unwrap_or(80);
    let host = match origin.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let first = bind(vars::CLIENT_ORIGIN_URL.variable(), &host.to_string(), port)?;
    let mut listeners = vec![first];
    if matches!(origin.host(), Some(url::Host::Domain(_))) {
        let bound = listeners[0].local_addr()?.port();
        if let Ok(v6) = TcpListener::bind((Ipv6Addr::LOCALHOST, bound)) {
            listeners.push(v6);
        }
    }
    Ok(listeners)
}

fn demo_config(settings: &Settings, api_url: &str, issuer_url: Option<&str>) -> DemoConfig {
    let clients = if issuer_url.is_some() {
        local_issuer::demo_clients(&settings.local)
            .into_iter()
            .map(|client| DemoClientConfig {
                id: client.id.to_owned(),
                secret: client.secret,
                permissions: client.permissions.into_iter().map(str::to_owned).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    DemoConfig {
        api_server_url: api_url.to_owned(),
        issuer_url: issuer_url.map(str::to_owned),
        token_endpoint: issuer_url.map(|issuer| format!("{issuer}oauth/token")),
        audience: settings.tokens.policy.audiences[0].clone(),
        spa_client_id: issuer_url.map(|_| local_issuer::SPA_CLIENT_ID.to_owned()),
        clients,
    }
}

/// A ready-to-paste shell line that gets an admin token and calls the admin route. The secret
/// is printed only when it is the documented demo default.
fn curl_hint(api_url: &str, issuer_url: &str, settings: &Settings) -> String {
    let (id, default_secret) = (defaults::DEMO_ADMIN_ID, defaults::DEMO_ADMIN_SECRET);
    let secret = if settings.local.admin_secret == default_secret { default_secret } else { "$LOCAL_ADMIN_SECRET" };
    format!(
        r#"curl -s {api_url}/api/messages/admin -H "Authorization: Bearer $(curl -s {issuer_url}oauth/token -d grant_type=client_credentials -d client_id={id} -d client_secret={secret} | sed -E 's/.*"access_token":"([^"]+)".*/\1/')""#
    )
}

/// Limits against slow or greedy clients, the same on every listener.
pub use crate::middleware::limits;

/// What the API serves beside the messages (docs/operations.md).
struct Operations {
    readiness: Readiness,
    /// `None` with `METRICS=off`.
    metrics: Option<Arc<Metrics>>,
    /// The OpenAPI document, serialized.
    openapi: String,
}

/// The API server: the three routes, the operation routes and CORS for the one allowed origin,
/// served by [`crate::middleware::serve`] like the issuer and the demo, with metrics.
fn api_server(
    listener: TcpListener,
    (validator, dpop): (web::Data<Validator>, web::Data<crate::auth::dpop::Dpop>),
    operations: Operations,
    client_origin: &str,
    local_mode: bool,
    extra_routes: fn(&mut web::ServiceConfig),
) -> std::io::Result<Server> {
    let origin = client_origin.to_owned();
    let readiness = web::Data::new(operations.readiness);
    let metrics_data = operations.metrics.clone().map(web::Data::from);
    let openapi = operations.openapi;
    let options = ServerOptions {
        stack: StackConfig { loopback_only: local_mode, metrics: operations.metrics, ..StackConfig::default() },
        cors: Some(Arc::new(move || crate::middleware::cors(&origin, &["GET"]))),
        workers: None,
    };
    crate::middleware::serve(vec![listener], options, move |app| {
        app.app_data(validator.clone()).app_data(dpop.clone()).app_data(readiness.clone());
        if let Some(metrics) = &metrics_data {
            app.app_data(metrics.clone()).service(routes::get_only("/metrics", crate::metrics::serve));
        }
        app.configure(routes::table::configure).configure(openapi::configure(openapi.clone())).configure(extra_routes);
    })
}

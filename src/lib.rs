//! hello-api: the Hello World API behind JWT access tokens (docs/contract.md), and everything
//! `hello-api` and `hello-client` are made of.
//!
//! This crate doc is the one module map and the one account of a request's path; README.md and
//! docs/how-it-works.md link here.
//!
//! # Module map
//!
//! ```text
//! src/
//!   main.rs             thin binary: settings (flags, environment, .env), logging, build and run
//!   lib.rs              this map and a request's path, as the crate's doc
//!   config/             settings, read and checked once; one-line errors naming the variable
//!     mod.rs            Settings (grouped by the part that uses them) and ConfigError
//!     declare.rs        what a setting is: variable, flag, help, default, parser; the values found
//!     vars.rs           every setting, declared once (--help, hello-client's flags and the docs check read it)
//!     dpop.rs           the DPoP settings: declarations and checks
//!     env.rs            the one reader of .env (the environment wins; empty counts as unset)
//!     authority.rs      which issuer: the issuer variables → Authority, shared with hello-client
//!     parse.rs          value parsers: ports, seconds, lists, origins, algorithms
//!     defaults.rs       the local issuer's demo clients and audience, which more than one module needs
//!     tests.rs          the settings as a whole: defaults, each issuer, a mistake naming its variable
//!   urls.rs             the URL rules: https, or http on loopback only; issuer and discovery URLs
//!   http.rs             the one outbound HTTP client builder and the size-limited body reader
//!   startup.rs          Application::build: binds the listeners, builds the key set and validator once
//!   middleware/         one stack for the three servers
//!     mod.rs            what the stack is made of, and the order of its steps
//!     server.rs         serve: limits, timeouts, CORS and the stack around a server's routes
//!     stack.rs          the one middleware: Host check, body deadline, JSON errors, headers, access log, metrics
//!     headers.rs        the security headers and JSON error bodies
//!     body_deadline.rs  the whole-body timeout
//!     cors.rs           the CORS builder
//!     limits.rs         the limits and timeouts
//!   routes/
//!     mod.rs            the resource builder: one method, 405 with Allow for the others
//!     table.rs          the route table: registers each route and feeds the OpenAPI document
//!     messages.rs       the three handlers and their bodies' schemas
//!     health.rs         /health/live and /health/ready (the key set, the replay store, a graceful stop)
//!     schemas.rs        the error bodies' schemas, exact_schema!
//!     openapi.rs        /openapi.json, generated with utoipa from the route table
//!   metrics.rs          the Prometheus metrics and /metrics (the stack counts requests); it implements
//!                       the auth layer's observer traits, labelled by stable codes
//!   auth/               the authorization layer; it imports nothing above it
//!     mod.rs            what the layer exports, and its observer traits
//!     jwks/             the key set: mod.rs (types), cache.rs (refresh rules, single flight, last
//!                       good keys), fetch.rs (bounded GET, discovery), jwk.rs (JWK → verifying key)
//!     validator.rs      token → verified claims; the verified-token cache; TokenObserver
//!     policy.rs         TokenPolicy and check_claims: a pure function of policy, claims and time
//!     claims.rs         the verified claims (data only)
//!     extract.rs        the extractors handlers take: Claims, RequirePermission
//!     permissions.rs    the Permission trait, ReadAdminMessages, RequirePermission
//!     algorithm.rs      the accepted signature algorithms (asymmetric only) and their key types
//!     error.rs          one error type → status, JSON body, WWW-Authenticate, Retry-After;
//!                       the stable codes of refusals (logs, metric labels)
//!     dpop/             DPoP proofs (docs/dpop.md): gate.rs (the API's rules for one request),
//!                       proof.rs (the pure proof check), htu.rs (the URL a proof names), key.rs
//!                       (its jwk and thumbprint), error.rs (refusals and their codes), replay.rs
//!                       (used proofs, in memory) and redis_store.rs (in Redis, shared by replicas)
//!   local_issuer/       the embedded development issuer of local mode, laid out like an OpenID
//!                       provider (docs/local-issuer.md, "How the code is laid out")
//!     mod.rs            server() and configure() (the routes)
//!     state.rs          what every handler shares: name, audience, key, clients, DPoP policy
//!     endpoints/        one file per endpoint: discovery, jwks, authorize, token, userinfo,
//!                       logout, assets (the pages' styles, script, favicon)
//!     grants/           one file per grant: client_credentials, authorization_code, refresh_token
//!     authorization.rs  the checked /authorize request; response_modes.rs: query, web_message
//!     client_auth.rs    who calls the token endpoint; pkce.rs: PKCE shapes and check
//!     dpop.rs           DPoP at the token endpoint: the API's proof check, its replay store
//!     sign_in.rs        sessions and codes, in bounded stores (store.rs); users.rs: the people
//!     refresh_tokens.rs refresh tokens: opaque, used once, rotated, a reused one revokes the login
//!     tokens.rs         the claims of every token; errors.rs: the token endpoint's errors
//!     params.rs         parameters read once, their limits, redirect targets
//!     pages.rs, pages/  the HTML a person sees, as template files; common.rs: ids, time, locks
//!     key.rs            its RSA signing key: generated once, kept in a 0600 PEM file
//!   host_check.rs       which Host names are loopback (local mode answers others 421: DNS rebinding)
//!   logging.rs          env_logger, with actix-http's parse errors of client requests at DEBUG
//!   memory.rs           freed memory given back to the system when no connection is open
//!   demo.rs             the browser demo's routes: static/ built into the binary (GET and HEAD), config.json, its CSP
//!   client/             hello-client's logic: provider.rs (which token endpoint and form),
//!                       token.rs (the request and the token cache), dpop.rs (--dpop: its key and
//!                       proofs), mod.rs (settings, the API call)
//!   bin/hello-client.rs thin binary: token / call <PATH>...
//! static/               the browser demo (index.html, app.js, sign-in.js, dpop.js, style.css, favicon.ico; no build step)
//! tests/api/            the Rust-only integration tests (plain `cargo test`): one binary, one file per feature
//! testkit/              dev-only crate: fake issuer, signer, spawned app, eventually(), temp dirs
//! tests/interop/        the opt-in target (`--features interop`): Chromium, the SPA SDK, oidc-provider, PyJWT
//! workshop/             the workshop (its own crate, hello-workshop): exercises, solutions, check.sh
//! docs/                 the pages: contract, configuration, operations, how it works, …
//! bench/                make bench: the wrk script, its Lua, RESULTS.md (every run's figures)
//! benches/validate.rs   criterion: cache hit, cache miss, bare signature check
//! fuzz/                 cargo-fuzz targets, seeds, RESULTS.md (fuzzing and soak runs)
//! examples/soak.rs      make soak; examples/baseline.rs: a bare actix server for make bench
//! scripts/              test-deps.sh (what the tests need: packages, the SPA SDK and oidc-provider
//!                       from npm, the Python tools into target/venv), deny.sh (cargo deny)
//! SECURITY.md           the threat model
//! ```
//!
//! # A request's path
//!
//! Every server (the API, the local issuer, the demo) wraps its routes in one middleware
//! (`middleware/stack.rs`, a hand-written actix `Transform`: one boxed future per request, not one
//! per layer) and, inside it, CORS (`middleware/cors.rs`; the demo has none). On the way in, in
//! local mode, a `Host` that is not a loopback name is answered 421 (`host_check.rs`), and a
//! request with a body gets the body deadline (`middleware/body_deadline.rs`). On the way out, an
//! error without a JSON body gets `{"message": …}`, every response gets the security headers
//! (`middleware/headers.rs`: values parsed once; the demo's own `Content-Security-Policy`, and a
//! page's own policy that names who may frame it, are kept), the access-log line is written, and
//! on the API the request is counted in the metrics (`metrics.rs`).
//!
//! A request to `GET /api/messages/admin` then reaches the route in [`routes::messages`]. The
//! handler's signature names `RequirePermission<ReadAdminMessages>` ([`auth::RequirePermission`]),
//! whose extractor (`auth/extract.rs`) reads the token (`Bearer`, or `DPoP` unless DPoP is off)
//! and asks the shared [`auth::Validator`]: header checks, the key for its `kid` from the
//! [`auth::KeySet`] (fetched and refreshed by the rules of docs/contract.md, "The key set"), the
//! signature, then issuer, audience and time. The DPoP gate (`auth/dpop/gate.rs`, docs/dpop.md)
//! comes next, on every request even when the token came from the cache: a bound token needs the
//! `DPoP` scheme and a proof made for this request by its key, used once. A bad token or proof is
//! a 401, a missing permission a 403, both through the one [`auth::AuthError`]; otherwise the
//! handler runs.

pub mod auth;
pub mod client;
pub mod config;
pub(crate) mod demo;
pub(crate) mod host_check;
pub(crate) mod http;
pub mod local_issuer;
pub mod logging;
pub(crate) mod memory;
pub(crate) mod metrics;
pub(crate) mod middleware;
pub mod routes;
pub mod startup;
pub mod urls;

pub use middleware::SECURITY_HEADERS;

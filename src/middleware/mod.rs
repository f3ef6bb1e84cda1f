//! One stack for every server (the API, the local issuer, the demo): each builds its routes and
//! hands them to [`server::serve`], which applies the same middleware, limits and timeouts.
//!
//! - `server`: assembles and runs a server: limits, timeouts, CORS, the stack, the JSON 404.
//! - `stack`: the one middleware: Host check, body deadline, JSON errors, security headers,
//!   access log, metrics.
//! - `headers`: the security headers and JSON error bodies.
//! - `body_deadline`: the whole-body timeout.
//! - `cors`: the CORS policy for the one allowed origin.
//! - `limits`: the numbers.

mod body_deadline;
mod cors;
mod headers;
pub mod limits;
mod server;
mod stack;

pub(crate) use cors::cors;
pub use headers::SECURITY_HEADERS;
pub(crate) use server::{ServerOptions, serve};
pub(crate) use stack::StackConfig;

//! hello-api: the Hello World API behind JWT access tokens.

pub mod auth;
pub mod client;
pub mod config;
pub mod demo;
pub mod http;
pub mod issuer;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod urls;

//! The ceiling for this stack: a bare actix-web app, with no middleware at all, that answers
//! `GET /api/messages/public` with hello-api's own handler (`{"text":"This is a public message."}`)
//! on the same number of workers (one per core). `make bench` builds it in release beside the
//! server and loads both side by side; the public route's budgets are ratios to it
//! (docs/performance.md).
//!
//! Listens on `127.0.0.1:$PORT` (default 0, a free port) and prints `baseline listening on <url>`.

use actix_web::{App, HttpServer, web};
use hello_api::routes::messages;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(0);
    let server = HttpServer::new(|| App::new().route("/api/messages/public", web::get().to(messages::public)))
        .bind(("127.0.0.1", port))?;
    let address = server.addrs()[0];
    println!("baseline listening on http://{address}");
    server.run().await
}

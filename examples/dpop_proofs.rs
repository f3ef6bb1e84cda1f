//! `make bench` helper: a DPoP-bound access token and as many fresh proofs for it, for wrk to send
//! one proof per request (bench/dpop.lua, docs/performance.md, "DPoP").
//!
//! Usage: `dpop_proofs KEY_FILE SAMPLE_TOKEN URL COUNT OUT_FILE`. The token copies the claims of
//! SAMPLE_TOKEN (one the local issuer made) and adds `cnf.jkt` for a new ES256 key, signed with
//! the local issuer's key in KEY_FILE (the local issuer makes no DPoP-bound tokens yet). The
//! proofs are made with testkit::dpop (jsonwebtoken, not the server's code): `GET URL`, `ath` of
//! the token, `iat` now, each with its own `jti`. OUT_FILE gets the token on its first line, then
//! one proof a line.

use std::io::Write as _;
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hello_api::local_issuer::SigningKey;
use serde_json::{Value, json};
use testkit::dpop::{DpopKey, jti, proof_claims};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key_file, sample, url, count, out] = args.as_slice() else {
        eprintln!("usage: dpop_proofs KEY_FILE SAMPLE_TOKEN URL COUNT OUT_FILE");
        return ExitCode::from(2);
    };
    match run(key_file, sample, url, count, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("dpop_proofs: {problem}");
            ExitCode::FAILURE
        }
    }
}

fn run(key_file: &str, sample: &str, url: &str, count: &str, out: &str) -> Result<(), String> {
    let pem = std::fs::read_to_string(key_file).map_err(|err| format!("{key_file}: {err}"))?;
    let issuer_key = SigningKey::from_pem(&pem).ok_or_else(|| format!("{key_file}: not an RSA key"))?;
    let count: usize = count.parse().map_err(|_| format!("COUNT {count:?} is not a number"))?;
    let payload = sample.split('.').nth(1).ok_or("SAMPLE_TOKEN is not a JWT")?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| "SAMPLE_TOKEN's payload is not base64url")?;
    let mut claims: Value = serde_json::from_slice(&bytes).map_err(|_| "SAMPLE_TOKEN's payload is not JSON")?;

    let dpop_key = DpopKey::es256();
    claims["cnf"] = json!({ "jkt": dpop_key.jkt() });
    claims["jti"] = json!(jti());
    let token = issuer_key.sign_access_token(&claims).map_err(|err| format!("signing the token: {err}"))?;

    let file = std::fs::File::create(out).map_err(|err| format!("{out}: {err}"))?;
    let mut file = std::io::BufWriter::new(file);
    let mut write = |line: &str| writeln!(file, "{line}").map_err(|err| format!("{out}: {err}"));
    write(&token)?;
    for _ in 0..count {
        write(&dpop_key.proof(&proof_claims("GET", url, Some(&token))))?;
    }
    file.flush().map_err(|err| format!("{out}: {err}"))
}

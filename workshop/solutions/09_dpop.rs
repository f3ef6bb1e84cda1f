// Exercise 09: a DPoP-bound token, and what a thief can do with it (workshop/README.md, "09 dpop").
//
// The check makes a key (`ProofKey`, an ES256 key that never leaves this process) and gets a
// token bound to it: the token's `cnf.jkt` names the key. Such a token is sent with the `DPoP`
// scheme, and every request carries a fresh proof, a small JWT signed with the key that names
// the request's method and URL and the token's hash (docs/dpop.md, "The checks").
// Write the headers of such a call, then write down what the API says to a thief who stole the
// token (or a whole request) but not the key.

use hello_workshop::ProofKey;
use reqwest::Url;

/// The headers of `GET url` with the DPoP-bound `token`: `(name, value)` pairs.
pub fn dpop_headers(key: &ProofKey, url: &Url, token: &str) -> Vec<(&'static str, String)> {
    let proof = key.proof("GET", url, Some(token)).expect("the key signs a proof");
    vec![("Authorization", format!("DPoP {token}")), ("DPoP", proof)]
}

/// What the API says when the thief sends the stolen token as a Bearer token.
pub const AS_BEARER: &str = "DPoP-bound token sent as Bearer";
/// What the API says when the thief replays a captured request word for word.
pub const REPLAYED: &str = "proof was already used";
/// What the API says when the thief sends a captured proof to another route.
pub const OTHER_URL: &str = "proof is for another URL";
/// What the API says when the thief signs a proof with a key of their own.
pub const THIEFS_KEY: &str = "proof key is not the token's";

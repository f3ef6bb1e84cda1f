// Exercise 07: an expired, a wrong-audience and a wrong-issuer token, each refused with its own
// `error_description` (workshop/README.md, "07 refused_tokens").
//
// The check takes the claims of a real token from the local issuer, hands them to one of the
// functions below, signs the changed claims with the local issuer's own key (so the signature is
// fine) and calls `/api/messages/protected` with the result. Change exactly one thing in each,
// and write down the `error_description` you expect the API to answer (src/auth/error.rs).

use serde_json::{Map, Value};

/// Make the token expired. Mind the leeway: the API accepts `exp` up to 5 s in the past.
pub fn expire(claims: &mut Map<String, Value>) {
    // TODO: set "exp" to a time in the past (hello_workshop::now() is the time now, in seconds).
    let _ = claims;
}

/// Make the token meant for another API.
pub fn change_audience(claims: &mut Map<String, Value>) {
    // TODO: set "aud" to an audience this API does not accept.
    let _ = claims;
}

/// Make the token claim to come from another issuer.
pub fn change_issuer(claims: &mut Map<String, Value>) {
    // TODO: set "iss" to another issuer.
    let _ = claims;
}

/// TODO: what the API says about an expired token.
pub const EXPIRED: &str = "TODO";
/// TODO: what the API says about a token for another audience.
pub const WRONG_AUDIENCE: &str = "TODO";
/// TODO: what the API says about a token from another issuer.
pub const WRONG_ISSUER: &str = "TODO";

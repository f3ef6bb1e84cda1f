// Exercise 06: get a token in code with the client-credentials grant (workshop/README.md,
// "06 client_credentials").
//
// A backend (a machine, no person) gets its access token by posting its own id and secret to
// the issuer's token endpoint (RFC 6749, section 4.4). Do that: POST a form with
// `grant_type=client_credentials`, `client_id` and `client_secret` to `token_endpoint`, and
// return the `access_token` of the JSON answer.

use serde_json::Value;

pub async fn fetch_token(token_endpoint: &str, client_id: &str, client_secret: &str) -> Result<String, reqwest::Error> {
    let form = [("client_id", client_id), ("client_secret", client_secret)];
    // TODO: add the grant type to the form, POST it (`reqwest::Client::new().post(..).form(..)`),
    // and read the answer as JSON.
    let _ = (token_endpoint, form);
    let answer = Value::Null;
    Ok(answer["access_token"].as_str().unwrap_or_default().to_owned())
}

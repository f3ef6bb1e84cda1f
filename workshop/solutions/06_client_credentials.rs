// Exercise 06: get a token in code with the client-credentials grant (workshop/README.md,
// "06 client_credentials").
//
// A backend (a machine, no person) gets its access token by posting its own id and secret to
// the issuer's token endpoint (RFC 6749, section 4.4). Do that: POST a form with
// `grant_type=client_credentials`, `client_id` and `client_secret` to `token_endpoint`, and
// return the `access_token` of the JSON answer.

use serde_json::Value;

pub async fn fetch_token(token_endpoint: &str, client_id: &str, client_secret: &str) -> Result<String, reqwest::Error> {
    let form = [("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", client_secret)];
    let response = reqwest::Client::new().post(token_endpoint).form(&form).send().await?;
    let answer: Value = response.error_for_status()?.json().await?;
    Ok(answer["access_token"].as_str().unwrap_or_default().to_owned())
}

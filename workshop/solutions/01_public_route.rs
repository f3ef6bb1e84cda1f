// Exercise 01: call the public route (workshop/README.md, "01 public_route").
//
// `GET /api/messages/public` needs no token. Send that request to the API at `api_url` and
// return the `text` of its JSON answer.

use serde_json::Value;

pub async fn public_message(api_url: &str) -> String {
    let url = format!("{api_url}/api/messages/public");
    let response = reqwest::get(url).await.expect("the API answers");
    let answer: Value = response.json().await.expect("the answer is JSON");
    answer["text"].as_str().unwrap_or_default().to_owned()
}

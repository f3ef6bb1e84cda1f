//! docs/sign-in.md, "How it works": the login page in a real browser: the issuer's page is styled under its
//! own policy, and a demo account's button fills the form without submitting it.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{displayed, open_browser, start_chromedriver};
use crate::helpers::code_flow::{issuer, query};
use crate::helpers::{TempDir, TestApp};

/// In a real browser, under the page's own policy: the demo's styles apply, and a demo account's
/// button fills the form without submitting it.
#[tokio::test]
async fn in_a_browser_the_page_is_styled_and_a_demo_account_button_fills_the_form() {
    let app = TestApp::local(&[]).await;
    let driver = start_chromedriver().await;
    let profile = TempDir::new("chromium-login-page");
    let browser = open_browser(&driver, &profile).await;
    let url = format!("{}authorize?{}", issuer(&app), query(&[]));
    browser.goto(&url).await.unwrap();
    displayed(&browser, "input[name=username]").await;
    let button = browser.find(Locator::Css(r#"button[data-fill-username="user@example.com"]"#)).await.unwrap();
    button.click().await.unwrap();
    let seen = browser
        .execute(
            "return [document.getElementById('username').value, document.getElementById('password').value, \
             getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('.card')).borderRadius];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(seen, json!(["user@example.com", "demo-user-password", "rgb(245, 246, 248)", "10px"]));
    assert_eq!(browser.current_url().await.unwrap().as_str(), url, "filling is not submitting");
    browser.close().await.unwrap();
}

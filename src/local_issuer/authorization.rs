//! The authorization request of `/authorize` (GET and the login form's POST alike), checked once
//! into an [`AuthRequest`] or refused (docs/sign-in.md, "What the issuer accepts").

use super::common::is_sha256_digest;
use super::params::{BadTarget, Params, over_limit, redirect_target};
use super::pkce;
use super::response_modes::Target;
use crate::local_issuer::state::SPA_CLIENT_ID;

/// The OpenID scopes a code may carry; anything else the caller sent is not kept.
/// `offline_access` asks for a refresh token (OpenID Connect Core 1.0, section 11).
pub(super) const OPENID_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// `prompt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prompt {
    /// Sign in again if there is a session, or show the form.
    Default,
    /// Never show the form: a code from the session, or `login_required`.
    None,
    /// Always show the form.
    Login,
}

/// A checked authorization request.
pub(super) struct AuthRequest {
    /// Where and how the answer goes back.
    pub target: Target,
    pub nonce: Option<String>,
    pub challenge: String,
    /// The OpenID scopes asked for, space-delimited.
    pub scope: String,
    /// The audience asked for, as sent (already checked to be the API's).
    pub audience: Option<String>,
    pub prompt: Prompt,
    /// `dpop_jkt` (RFC 9449 section 10): the DPoP key the code is bound to.
    pub dpop_jkt: Option<String>,
}

/// Why an authorization request is refused.
pub(super) enum Refusal {
    /// The client or its redirect target cannot be trusted: a 400 page, never a redirect.
    Page(String),
    /// An RFC 6749 `error` and `error_description` sent back to the client.
    ToClient(Box<Target>, &'static str, &'static str),
}

/// Checks `params` against the SPA client at `client_origin` and the API's `audience`.
pub(super) fn check(params: &Params, client_origin: &str, audience: &str) -> Result<AuthRequest, Refusal> {
    let get = |name: &str| params.get(name).map(String::as_str);
    if get("client_id") != Some(SPA_CLIENT_ID) {
        return Err(Refusal::Page("unknown client_id".into()));
    }
    let redirect_uri = match redirect_target(get("redirect_uri").unwrap_or_default(), client_origin) {
        Ok(url) => url,
        Err(BadTarget::OtherOrigin) => {
            return Err(Refusal::Page("redirect_uri is not allowed for this client".into()));
        }
        Err(BadTarget::Malformed(why)) => {
            return Err(Refusal::Page(format!("redirect_uri is not allowed for this client: {why}")));
        }
    };
    let web_message = match get("response_mode") {
        None | Some("query") => false,
        Some("web_message") => true,
        Some(_) => return Err(Refusal::Page("response_mode must be query or web_message".into())),
    };
    // A `state` over its limit is neither stored nor echoed: the refusal goes back without it.
    let too_long = over_limit(params);
    let state = get("state").filter(|_| too_long != Some(super::params::STATE_TOO_LONG)).map(str::to_owned);
    let target = Box::new(Target { redirect_uri, state, web_message });
    if let Some(description) = too_long {
        return Err(Refusal::ToClient(target, "invalid_request", description));
    }
    if get("response_type") != Some("code") {
        return Err(Refusal::ToClient(target, "unsupported_response_type", "response_type must be code"));
    }
    let challenge = get("code_challenge").unwrap_or_default();
    if challenge.is_empty() || get("code_challenge_method") != Some("S256") {
        let description = "PKCE is required: code_challenge with code_challenge_method=S256";
        return Err(Refusal::ToClient(target, "invalid_request", description));
    }
    if !pkce::is_challenge(challenge) {
        let description = "code_challenge must be 43 base64url characters (an S256 digest)";
        return Err(Refusal::ToClient(target, "invalid_request", description));
    }
    let prompt = match get("prompt") {
        None | Some("") => Prompt::Default,
        Some("none") => Prompt::None,
        Some("login") => Prompt::Login,
        Some(_) => return Err(Refusal::ToClient(target, "invalid_request", "prompt must be none or login")),
    };
    if get("audience").is_some_and(|asked| asked != audience) {
        return Err(Refusal::ToClient(target, "invalid_request", "unknown audience"));
    }
    if get("dpop_jkt").is_some_and(|jkt| !is_sha256_digest(jkt)) {
        let description = "dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters)";
        return Err(Refusal::ToClient(target, "invalid_request", description));
    }
    let asked = get("scope").unwrap_or_default();
    let scope = OPENID_SCOPES.iter().filter(|known| asked.split(' ').any(|scope| scope == **known));
    Ok(AuthRequest {
        nonce: get("nonce").map(str::to_owned),
        challenge: challenge.to_owned(),
        scope: scope.copied().collect::<Vec<_>>().join(" "),
        audience: get("audience").map(str::to_owned),
        prompt,
        dpop_jkt: get("dpop_jkt").map(str::to_owned),
        target: *target,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::local_issuer::params::limit;

    /// A request with every stored parameter at its largest accepted size.
    pub(in crate::local_issuer) fn largest_request() -> AuthRequest {
        const OPENID: &str = "openid profile email";
        let origin = "http://localhost:4040";
        let redirect_uri = format!("{origin}/{}", "r".repeat(super::super::params::MAX_URL_BYTES - origin.len() - 1));
        let params: Params = [
            ("client_id", SPA_CLIENT_ID.to_owned()),
            ("response_type", "code".to_owned()),
            ("redirect_uri", redirect_uri),
            ("state", "s".repeat(limit("state"))),
            ("nonce", "n".repeat(limit("nonce"))),
            ("scope", format!("{OPENID} {}", "x".repeat(limit("scope") - OPENID.len() - 1))),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned()),
            ("code_challenge_method", "S256".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        match check(&params, origin, "https://api") {
            Ok(request) => request,
            Err(Refusal::Page(why)) => panic!("the largest accepted request is accepted: {why}"),
            Err(Refusal::ToClient(_, _, why)) => panic!("the largest accepted request is accepted: {why}"),
        }
    }

    #[test]
    fn only_the_openid_scopes_are_kept() {
        let request = largest_request();
        assert_eq!(request.scope, "openid profile email");
        assert_eq!(request.nonce.as_ref().map(String::len), Some(limit("nonce")));
    }
}

//! The actix extractors that protect handlers: a handler that takes [`Claims`] needs a valid
//! token, one that takes [`RequirePermission`] needs a permission too (docs/contract.md, "Errors":
//! the token is checked first, 401, the permission second, 403).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::claims::Claims;
use super::dpop::{Dpop, DpopMode};
use super::error::{AuthError, InvalidToken, Refusal, Scheme};
use super::permissions::{Permission, RequirePermission};
use super::validator::Validator;

/// The token of an `Authorization: Bearer <token>` header (scheme in any case).
///
/// No header, another scheme or an empty token is [`AuthError::MissingToken`]; a header that is
/// not visible ASCII, or that appears twice, is malformed.
pub fn bearer_token(request: &HttpRequest) -> Result<&str, AuthError> {
    presented_token(request, false).map(|(_, token)| token)
}

/// The token and its scheme: `Bearer`, or `DPoP` when `dpop` (the mode is not off).
fn presented_token(request: &HttpRequest, dpop: bool) -> Result<(Scheme, &str), AuthError> {
    let mut values = request.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(AuthError::MissingToken);
    };
    if values.next().is_some() {
        return Err(InvalidToken::MalformedHeader.into());
    }
    let value = header_text(value.as_bytes()).ok_or(InvalidToken::MalformedHeader)?.trim();
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if dpop && scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(AuthError::MissingToken);
    };
    match token.trim() {
        "" => Err(AuthError::MissingToken),
        token => Ok((scheme, token)),
    }
}

/// `bytes` as text when every byte is visible ASCII or a tab, as `HeaderValue::to_str` requires,
/// checked without stopping early so that the ~800 bytes of a token are checked many at a time.
fn header_text(bytes: &[u8]) -> Option<&str> {
    let visible = bytes.iter().fold(true, |visible, &byte| visible & (byte == b'\t' || (b' '..=b'~').contains(&byte)));
    visible.then(|| std::str::from_utf8(bytes).ok()).flatten()
}

impl FromRequest for Claims {
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let dpop = request.app_data::<web::Data<Dpop>>().cloned();
        let dpop_algs = dpop.as_ref().and_then(|dpop| dpop.offered_algs());
        let presented = presented_token(request, dpop_algs.is_some()).map(|(scheme, token)| (scheme, token.to_owned()));
        // What a proof is checked against, read only for a DPoP token: `admit` passes a Bearer
        // token on its binding alone.
        let (proofs, method, url) = match (&presented, &dpop) {
            (Ok((Scheme::Dpop, _)), Some(dpop)) => {
                (Dpop::proofs(request), request.method().as_str().to_owned(), dpop.request_url(request))
            }
            _ => (Some(Vec::new()), String::new(), None),
        };
        let validator = request.app_data::<web::Data<Validator>>().cloned();
        Box::pin(async move {
            let refuse = |scheme| {
                let dpop_algs = dpop_algs.clone();
                move |error: AuthError| {
                    log::debug!("token rejected: {} ({error})", error.code());
                    Refusal { error, scheme, dpop_algs }
                }
            };
            let (scheme, token) = presented.map_err(refuse(Scheme::Bearer))?;
            if scheme == Scheme::Bearer && dpop.as_ref().is_some_and(|dpop| dpop.mode() == DpopMode::Required) {
                return Err(refuse(scheme)(InvalidToken::ProofRequired.into()));
            }
            let validator = validator.expect("the Validator is registered as app data at start-up");
            // The cache of verified tokens answers for the token only; the proof below is checked
            // on every request.
            let claims = validator.validate(&token).await.map_err(refuse(scheme))?;
            match &dpop {
                Some(dpop) => dpop
                    .admit(scheme, &token, &claims, proofs, &method, url.as_deref())
                    .await
                    .map_err(refuse(scheme))?,
                // An app built without the DPoP rules still never takes a bound token as Bearer.
                None if claims.bound_key().is_some() => {
                    return Err(refuse(scheme)(InvalidToken::BoundTokenAsBearer.into()));
                }
                None => {}
            }
            Ok(claims)
        })
    }
}

impl<P: Permission + 'static> FromRequest for RequirePermission<P> {
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let claims = Claims::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let claims = claims.await?;
            if !claims.has_permission(P::NAME) {
                log::debug!("permission {} not granted", P::NAME);
                // The challenge names the scheme the token came with.
                let dpop_algs = request.app_data::<web::Data<Dpop>>().and_then(|dpop| dpop.offered_algs());
                let scheme =
                    presented_token(&request, dpop_algs.is_some()).map_or(Scheme::Bearer, |(scheme, _)| scheme);
                return Err(Refusal { error: AuthError::InsufficientScope(P::NAME), scheme, dpop_algs });
            }
            Ok(Self::granted(claims))
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::header_text;

    #[test]
    fn header_text_accepts_exactly_what_to_str_accepts() {
        for byte in 0..=u8::MAX {
            for bytes in [vec![byte], [b"Bearer a".as_slice(), &[byte], b"b"].concat()] {
                let Ok(value) = HeaderValue::from_bytes(&bytes) else { continue };
                assert_eq!(header_text(value.as_bytes()), value.to_str().ok(), "{bytes:?}");
            }
        }
        assert_eq!(header_text(&[b'a'; 900]), Some("a".repeat(900).as_str()));
        assert_eq!(header_text(b""), Some(""));
    }
}

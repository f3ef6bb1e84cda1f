//! Refresh tokens (docs/sign-in.md, "Refresh tokens"): opaque and random, each used once. Using
//! one spends it and issues the next; presenting a spent one again means two parties hold the
//! login's tokens, so every refresh token of that login is revoked (reuse detection). A login's
//! refresh tokens live at most 24 hours from the sign-in, rotation does not extend that, and
//! they end with the login's session (`/v2/logout`). Both stores are bounded like the others.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::common::{lock, random_id};
use super::store::{Bounds, Store, Weigh};

/// How long a login's refresh tokens last, counted from the first one.
pub(super) const REFRESH_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Live refresh tokens: at most 10,000 and 16 MiB.
const LIVE: Bounds = Bounds { lifetime: REFRESH_LIFETIME, count: 10_000, bytes: 16 << 20 };
/// Spent refresh tokens, remembered for reuse detection: at most 20,000 and 16 MiB.
const SPENT: Bounds = Bounds { lifetime: REFRESH_LIFETIME, count: 20_000, bytes: 16 << 20 };

/// The sign-in a refresh token stands for: what a refreshed access token and ID token say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Login {
    pub user: usize,
    /// The session's `sid`: logging that session out ends the login's refresh tokens.
    pub sid: String,
    pub auth_time: u64,
    /// The OpenID scopes granted, `offline_access` among them.
    pub scope: String,
}

/// A live refresh token.
struct Entry {
    login: Login,
    /// The thumbprint of the DPoP key it was issued under: refreshing needs a proof from it.
    jkt: Option<String>,
    /// When the login's refresh tokens end (24 h after the first), whatever the rotations.
    ends: Instant,
}

impl Weigh for Entry {
    fn heap_bytes(&self) -> usize {
        self.login.sid.heap_bytes() + self.login.scope.heap_bytes() + self.jkt.heap_bytes()
    }
}

/// Why a refresh token is not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// Never issued, revoked, ended by logout, or past the login's 24 hours.
    Unknown,
    /// Spent before: the login's refresh tokens are now all revoked.
    Reused,
    /// Bound to a DPoP key, and the request's proof (if any) is from another; the token stays
    /// live, so that a thief without the key cannot spend it for its owner.
    Binding,
}

/// The issuer's refresh tokens.
pub(super) struct RefreshTokens {
    inner: Mutex<Inner>,
}

struct Inner {
    live: Store<Entry>,
    /// Spent token → the login's `sid`.
    spent: Store<String>,
}

impl RefreshTokens {
    pub(super) fn new() -> Self {
        Self::with_bounds(LIVE, SPENT)
    }

    fn with_bounds(live: Bounds, spent: Bounds) -> Self {
        Self { inner: Mutex::new(Inner { live: Store::new(live), spent: Store::new(spent) }) }
    }

    /// The first refresh token of `login`, bound to the DPoP key `jkt` when there is one.
    pub(super) fn issue(&self, login: Login, jkt: Option<String>, now: Instant) -> String {
        let token = random_id();
        let entry = Entry { login, jkt, ends: now + REFRESH_LIFETIME };
        lock(&self.inner).live.insert(token.clone(), entry, now);
        token
    }

    /// Spends `token`, presented with a proof from the key `jkt` (if any), and answers its login
    /// and the next refresh token, bound as it was.
    pub(super) fn rotate(&self, token: &str, jkt: Option<&str>, now: Instant) -> Result<(Login, String), Refused> {
        let mut inner = lock(&self.inner);
        let live = inner.live.get(token, now).filter(|entry| entry.ends > now);
        let Some(entry) = live else {
            let Some(sid) = inner.spent.get(token, now).cloned() else {
                return Err(Refused::Unknown);
            };
            inner.live.remove_where(|entry| entry.login.sid == sid);
            return Err(Refused::Reused);
        };
        if entry.jkt.as_deref().is_some_and(|bound| Some(bound) != jkt) {
            return Err(Refused::Binding);
        }
        let entry = inner.live.take(token, now).ok_or(Refused::Unknown)?;
        inner.spent.insert(token.to_owned(), entry.login.sid.clone(), now);
        let next = random_id();
        let login = entry.login.clone();
        inner.live.insert(next.clone(), entry, now);
        Ok((login, next))
    }

    /// Revokes every refresh token of the login with this `sid` (logout).
    pub(super) fn end_login(&self, sid: &str) {
        lock(&self.inner).live.remove_where(|entry| entry.login.sid == sid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(sid: &str) -> Login {
        Login { user: 0, sid: sid.to_owned(), auth_time: 1, scope: "openid offline_access".to_owned() }
    }

    #[test]
    fn each_refresh_token_is_used_once_and_the_next_keeps_the_login() {
        let (tokens, now) = (RefreshTokens::new(), Instant::now());
        let first = tokens.issue(login("s"), None, now);
        let (seen, second) = tokens.rotate(&first, None, now).unwrap();
        assert_eq!(seen, login("s"));
        assert_ne!(first, second);
        let (_, third) = tokens.rotate(&second, None, now).unwrap();
        assert_eq!(tokens.rotate(&"x".repeat(22), None, now), Err(Refused::Unknown));
        assert!(tokens.rotate(&third, None, now).is_ok());
    }

    #[test]
    fn a_spent_token_presented_again_revokes_the_whole_login_and_only_it() {
        let (tokens, now) = (RefreshTokens::new(), Instant::now());
        let first = tokens.issue(login("s"), None, now);
        let other_tab = tokens.issue(login("s"), None, now);
        let other_login = tokens.issue(login("t"), None, now);
        let (_, second) = tokens.rotate(&first, None, now).unwrap();
        assert_eq!(tokens.rotate(&first, None, now), Err(Refused::Reused));
        for revoked in [&second, &other_tab] {
            assert_eq!(tokens.rotate(revoked, None, now), Err(Refused::Unknown));
        }
        assert!(tokens.rotate(&other_login, None, now).is_ok(), "another login is untouched");
    }

    #[test]
    fn a_bound_token_needs_its_key_and_is_not_spent_by_a_wrong_one() {
        let (tokens, now) = (RefreshTokens::new(), Instant::now());
        let token = tokens.issue(login("s"), Some("key-a".to_owned()), now);
        for wrong in [None, Some("key-b")] {
            assert_eq!(tokens.rotate(&token, wrong, now), Err(Refused::Binding), "{wrong:?}");
        }
        let (_, next) = tokens.rotate(&token, Some("key-a"), now).unwrap();
        assert_eq!(tokens.rotate(&next, Some("key-b"), now), Err(Refused::Binding), "the next is bound the same");
        assert!(tokens.rotate(&next, Some("key-a"), now).is_ok());
    }

    #[test]
    fn a_login_refreshes_for_24_hours_from_the_sign_in_whatever_the_rotations() {
        let (tokens, start) = (RefreshTokens::new(), Instant::now());
        let mut token = tokens.issue(login("s"), None, start);
        for hours in [1, 12, 23] {
            token = tokens.rotate(&token, None, start + Duration::from_secs(hours * 3600)).unwrap().1;
        }
        let almost = start + REFRESH_LIFETIME - Duration::from_secs(1);
        token = tokens.rotate(&token, None, almost).unwrap().1;
        assert_eq!(tokens.rotate(&token, None, start + REFRESH_LIFETIME), Err(Refused::Unknown));
    }

    #[test]
    fn logout_ends_the_login_refresh_tokens() {
        let (tokens, now) = (RefreshTokens::new(), Instant::now());
        let token = tokens.issue(login("s"), None, now);
        tokens.end_login("s");
        assert_eq!(tokens.rotate(&token, None, now), Err(Refused::Unknown));
    }

    #[test]
    fn the_stores_are_bounded_by_count_and_bytes() {
        let small = Bounds { lifetime: REFRESH_LIFETIME, count: 100, bytes: 64 << 10 };
        let (tokens, now) = (RefreshTokens::with_bounds(small, small), Instant::now());
        let big = Login { scope: "s".repeat(1024), ..login("s") };
        let mut token = tokens.issue(big.clone(), Some("k".repeat(43)), now);
        for _ in 0..1000 {
            tokens.issue(big.clone(), None, now);
            token = tokens.rotate(&token, Some(&"k".repeat(43)), now).unwrap().1;
        }
        let inner = lock(&tokens.inner);
        for (store, name) in [(inner.live.bytes(), "live"), (inner.spent.bytes(), "spent")] {
            assert!(store <= small.bytes, "{name}: {store}");
        }
        assert!(inner.live.len() <= small.count && inner.spent.len() <= small.count);
    }
}

// Signing a person in with the authorization-code flow and PKCE (RFC 6749 4.1, RFC 7636),
// written out in plain JS so every step is visible: this is what the Auth0 SPA SDK does for a
// single-page app. In local mode the server's own issuer plays Auth0 (its public client,
// `config.spaClientId`, is `demo-spa`).
// The user's tokens live in memory only; a reload forgets them, and "Sign in" gets a new code
// from the issuer's session without the form.
// The code is exchanged with a DPoP proof (RFC 9449) from a key made for this sign-in, so an
// issuer that knows DPoP binds the access token to it (`token_type: "DPoP"`, `cnf.jkt`).

import { base64url, newProofKey, proofFor } from './dpop.js';

// Survives the round trip to the issuer's login page, in this tab only.
const PENDING_KEY = 'hello-api.sign-in';

let user = null; // { email, accessToken, idClaims, proofKey } once signed in (proofKey: DPoP-bound only)

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

function claimsOf(token) {
  const segment = token.split('.')[1] || '';
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
}

function redirectUri() {
  return `${window.location.origin}/`;
}

// Whether this server offers sign-in: only its local issuer does.
export function signInAvailable(config) {
  return Boolean(config.issuerUrl && config.tokenEndpoint && config.spaClientId);
}

// Sends the browser to the issuer's /authorize; it comes back to this page with ?code=&state=.
export async function signIn(config) {
  const pending = { verifier: randomString(), state: randomString(), nonce: randomString() };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL('authorize', config.issuerUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.spaClientId,
    redirect_uri: redirectUri(),
    scope: 'openid profile email',
    audience: config.audience,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

// Ends the issuer's session and comes back here.
export function signOut(config) {
  user = null;
  const url = new URL('v2/logout', config.issuerUrl);
  url.search = new URLSearchParams({ client_id: config.spaClientId, returnTo: redirectUri() }).toString();
  window.location.assign(url.toString());
}

// On the way back from /authorize: checks the state, exchanges the code for tokens, and cleans
// the address bar. Resolves to the signed-in user, or null when this load is no callback.
export async function completeSignIn(config) {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', window.location.pathname);
  if (!pending || params.get('state') !== pending.state) throw new Error('The sign-in answer does not match this tab (state).');
  if (params.has('error')) throw new Error(`${params.get('error')}: ${params.get('error_description') || ''}`);
  const proofKey = await newProofKey();
  const res = await fetch(config.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      DPoP: await proofFor(proofKey, 'POST', config.tokenEndpoint) },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.spaClientId,
      code: params.get('code'),
      code_verifier: pending.verifier,
      redirect_uri: redirectUri(),
    }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new Error(`Token request failed: ${body.error_description || body.error || res.status}`);
  }
  const idClaims = claimsOf(body.id_token);
  if (idClaims.nonce !== pending.nonce) throw new Error('The ID token does not carry this sign-in\'s nonce.');
  // An issuer without DPoP ignores the proof and answers a Bearer token: then the key is unused.
  const bound = String(body.token_type).toLowerCase() === 'dpop';
  user = { email: idClaims.email, accessToken: body.access_token, idClaims, proofKey: bound ? proofKey : null };
  return user;
}

// The signed-in user's access token, or null.
export function userToken() {
  return user ? user.accessToken : null;
}

// The key the signed-in user's token is bound to (`cnf.jkt`), or null for a Bearer token.
export function userProofKey() {
  return user ? user.proofKey : null;
}

export function signedInUser() {
  return user;
}

// DPoP (RFC 9449) in the page: a key pair made with WebCrypto whose private half is
// non-extractable (the page can sign with it, but no script, extension or XSS can read it out),
// and a fresh proof for every request. A token bound to this key (`cnf.jkt`) is worth nothing
// without it: that is what "Replay as a thief" shows (docs/browser-demo.md, docs/dpop.md).

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };

// RFC 4648 §5 without padding, as JOSE and PKCE use it.
export function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value) => base64url(new TextEncoder().encode(JSON.stringify(value)));

// RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
async function thumbprint({ crv, kty, x, y }) {
  const canonical = JSON.stringify({ crv, kty, x, y });
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
}

// A new key for this tab: { privateKey, jwk (public), jkt (its thumbprint) }.
export async function newProofKey() {
  const pair = await crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = { kty, crv, x, y };
  return { privateKey: pair.privateKey, jwk, jkt: await thumbprint(jwk) };
}

// A proof for `method url` (without query and fragment), bound to `accessToken` when given (`ath`).
export async function proofFor(key, method, url, accessToken) {
  const htu = new URL(url);
  htu.search = '';
  htu.hash = '';
  const claims = {
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
    htm: method,
    htu: htu.toString(),
    iat: Math.floor(Date.now() / 1000),
  };
  if (accessToken) {
    claims.ath = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
  }
  const signingInput = `${encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })}.${encodeJson(claims)}`;
  // WebCrypto's ECDSA signature is r || s, exactly the JWS form of ES256 (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey,
    new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64url(signature)}`;
}

// Browser demo for hello-api: pick an identity, call the API cross-origin,
// show the response and the decoded token. Plain ES2020 module, no build step.
// Tokens are never logged and never sent anywhere except the API itself.

import { proofFor } from './dpop.js';
import { completeSignIn, signIn, signInAvailable, signOut, signedInUser, userProofKey, userToken } from './sign-in.js';

const $ = (selector) => document.querySelector(selector);

const els = {
  info: $('[data-config-info]'),
  identity: $('[data-identity]'),
  hint: $('[data-identity-hint]'),
  localNote: $('[data-local-note]'),
  pasteArea: $('[data-paste-area]'),
  tokenInput: $('[data-token-input]'),
  response: $('[data-response]'),
  tokenPanel: $('[data-token-panel]'),
  user: $('[data-user]'),
  login: $('[data-login]'),
  logout: $('[data-logout]'),
  replay: $('[data-replay]'),
};

const DEMO_CLIENTS = ['demo-client', 'demo-admin'];
// Refresh a cached token a minute early so a call never races its expiry.
const EXPIRY_MARGIN_MS = 60_000;
// Some servers (HTTP/2) send no reason phrase; keep the status line readable anyway.
const REASONS = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

const HINTS = {
  anonymous: 'No token is sent: only Public succeeds; the others answer 401.',
  'signed-in': 'The signed-in person\'s access token (authorization code + PKCE), bound to this tab\'s key with DPoP: ' +
    'each call carries a fresh proof. admin@example.com may read Admin, user@example.com gets 403.',
  'demo-client': 'What a backend does: a client-credentials token without permissions: Public and Protected succeed, Admin answers 403.',
  'demo-admin': 'What a backend does: a client-credentials token with read:admin-messages: all three endpoints succeed.',
  paste: 'Any access token issued by the configured issuer for the API audience.',
};

const state = {
  tokens: new Map(),  // clientId -> { token, refreshAt } (memory only, gone on reload)
  pending: new Map(), // clientId -> Promise<string>, shared so a call awaits the same request
  callSeq: 0,         // only the latest call may render, so fast clicking never shows stale results
  lastKind: 'protected', // the route "Replay as a thief" replays
};

// A failure we already know how to present in the response area.
class DemoError extends Error {
  constructor(result) {
    super(result.statusLine);
    this.result = { status: 'error', ok: false, ...result };
  }
}

// ---------- small helpers ----------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}

function pretty(json, rawText) {
  if (json !== null) return JSON.stringify(json, null, 2);
  return rawText ? rawText : '(empty body)';
}

function statusLineOf(res) {
  return `${res.status} ${res.statusText || REASONS[res.status] || ''}`.trim();
}

function errorResult(err) {
  if (err instanceof DemoError) return err.result;
  return { status: 'error', ok: false, statusLine: 'Unexpected error', detail: String(err?.message || err) };
}

// ---------- configuration ----------

async function loadConfig() {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`config.json answered ${statusLineOf(res)}`);
    const config = await res.json();
    if (typeof config.apiServerUrl !== 'string') throw new Error('config.json has no apiServerUrl');
    config.apiServerUrl = config.apiServerUrl.replace(/\/+$/, '');
    return config;
  } catch (err) {
    throw new DemoError({ statusLine: 'Configuration error', detail: `Could not load config.json: ${err.message}` });
  }
}

// Started at once; every call awaits it, so clicking before it resolves is safe.
const configReady = loadConfig();

function clientFor(config, clientId) {
  if (!config.tokenEndpoint || !Array.isArray(config.clients)) return null;
  return config.clients.find((c) => c.id === clientId) || null;
}

function applyConfig(config) {
  $('[data-openapi-link]')?.setAttribute('href', `${config.apiServerUrl}/openapi.json`);
  const parts = [['API', config.apiServerUrl], ['Issuer', config.issuerUrl || '(none)']];
  els.info.replaceChildren(...parts.flatMap(([label, value], i) =>
    [i ? ' · ' : '', `${label} `, el('code', '', value)]));

  // Demo clients only exist when the server runs its local token issuer.
  let missing = 0;
  for (const id of DEMO_CLIENTS) {
    const option = els.identity.querySelector(`option[value="${id}"]`);
    const client = clientFor(config, id);
    option.disabled = !client;
    if (client) {
      const perms = client.permissions?.length ? client.permissions.join(', ') : 'no permissions';
      option.textContent = `${id} (${perms})`;
    } else {
      option.textContent = `${id} (unavailable)`;
      missing += 1;
    }
  }
  els.localNote.hidden = missing === 0;
  els.localNote.textContent = 'The demo clients are unavailable because the server is not in local mode ' +
    '(it runs no token issuer). Use Anonymous or paste a token from your identity provider.';
  // The browser may restore a previous selection on reload; never keep a disabled one.
  if (els.identity.selectedOptions[0]?.disabled) els.identity.value = 'anonymous';
  onIdentityChange();
}

function showConfigError(err) {
  els.info.textContent = errorResult(err).detail;
  els.info.classList.add('is-error');
  onIdentityChange();
}

// ---------- tokens ----------

function pastedToken() {
  // People often copy the whole header value; accept it with or without "Bearer ".
  // Line breaks from copying out of a terminal are not part of the token either.
  return els.tokenInput.value.trim().replace(/^Bearer\s+/i, '').replace(/\s+/g, '');
}

function decodeSegment(segment) {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// Local decoding only, no signature check: this is for display, the API verifies.
function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = decodeSegment(parts[0]);
    const payload = decodeSegment(parts[1]);
    const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
    return isObject(header) && isObject(payload) ? { header, payload } : null;
  } catch {
    return null;
  }
}

async function requestToken(clientId) {
  const config = await configReady;
  const client = clientFor(config, clientId);
  if (!client) {
    throw new DemoError({ statusLine: `Token request failed: ${clientId} is not available`,
      detail: 'The server is not in local mode, so it offers no demo clients.' });
  }
  let res;
  try {
    res = await fetch(config.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id,
        client_secret: client.secret, audience: config.audience || '' }),
    });
  } catch {
    throw new DemoError({ statusLine: `Network error: could not reach the token endpoint at ${config.tokenEndpoint}`,
      detail: 'The issuer may be down, or the browser blocked the response (CORS).' });
  }
  const text = await res.text();
  const json = parseJson(text);
  if (!res.ok || typeof json?.access_token !== 'string') {
    // RFC 6749 errors carry error / error_description.
    throw new DemoError({ statusLine: `Token request failed: ${statusLineOf(res)}`,
      headline: json?.error_description || json?.error || 'The response contained no access_token.',
      body: pretty(json, text) });
  }
  // Prefer the token's own exp claim; fall back to expires_in.
  const exp = decodeJwt(json.access_token)?.payload.exp;
  const expiresAt = typeof exp === 'number' ? exp * 1000 : Date.now() + (Number(json.expires_in) || 300) * 1000;
  return { token: json.access_token, refreshAt: expiresAt - EXPIRY_MARGIN_MS };
}

function clientToken(clientId) {
  const cached = state.tokens.get(clientId);
  if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
  // One request per client at a time: a call made right after selecting awaits the prefetch.
  if (!state.pending.has(clientId)) {
    const request = requestToken(clientId)
      .then((entry) => { state.tokens.set(clientId, entry); return entry.token; })
      .finally(() => { state.pending.delete(clientId); refreshTokenPanel(); });
    state.pending.set(clientId, request);
  }
  return state.pending.get(clientId);
}

async function tokenFor(identity) {
  if (identity === 'paste') return pastedToken() || null;
  if (identity === 'signed-in') return userToken();
  if (DEMO_CLIENTS.includes(identity)) return clientToken(identity);
  return null; // anonymous
}

// ---------- API calls and the response area ----------

function renderPending(text) {
  els.response.replaceChildren(el('p', 'response-status', text));
  els.response.className = 'response is-pending';
  els.response.setAttribute('aria-busy', 'true');
  els.response.dataset.status = 'pending';
}

function renderResult({ status, ok, statusLine, headline, detail, body }) {
  // "\n" text nodes keep textContent line-based: status first, then message, then body.
  // headline is what the server said (text / message); detail is our own explanation.
  const nodes = [el('p', 'response-status', statusLine)];
  if (headline) nodes.push('\n', el('p', 'response-headline', headline));
  if (detail) nodes.push('\n', el('p', 'response-detail', detail));
  if (body) nodes.push('\n', el('pre', 'response-body', body));
  els.response.replaceChildren(...nodes);
  els.response.className = `response ${ok ? 'is-success' : 'is-error'}`;
  els.response.setAttribute('aria-busy', 'false');
  // Set last, so a test waiting on data-status sees the rendered body.
  els.response.dataset.status = String(status);
}

// `asThief`: the same token, but without the key, so without a proof: sent as Bearer, as anyone
// who copied it from a log or a proxy would.
async function performCall(kind, asThief) {
  const config = await configReady;
  const token = await tokenFor(els.identity.value);
  const proofKey = els.identity.value === 'signed-in' && !asThief ? userProofKey() : null;
  const url = `${config.apiServerUrl}/api/messages/${kind}`;
  const headers = { 'Content-Type': 'application/json' };
  if (token) {
    // fetch would throw on such a header, which would look like a network error.
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new DemoError({ statusLine: 'Invalid token',
        detail: 'The token contains characters that cannot be sent in an HTTP header.' });
    }
    headers.Authorization = `${proofKey ? 'DPoP' : 'Bearer'} ${token}`;
    if (proofKey) headers.DPoP = await proofFor(proofKey, 'GET', url, token);
  }
  let res;
  try {
    res = await fetch(url, { headers });
  } catch {
    throw new DemoError({ statusLine: `Network error: could not reach the API at ${config.apiServerUrl}`,
      detail: 'The server may be down, or the browser blocked the request (CORS or CSP).' });
  }
  const text = await res.text();
  const json = parseJson(text);
  // Like the Auth0 samples: success bodies carry `text`, errors carry `message`.
  // A thief is told why: the API's error_description.
  const headline = res.ok ? json?.text : (asThief && json?.error_description) || json?.message;
  const detail = asThief ? 'The stolen token was sent without its key, so without a DPoP proof.' : undefined;
  return { status: res.status, ok: res.ok, statusLine: statusLineOf(res),
    headline: typeof headline === 'string' ? headline : '', detail, body: pretty(json, text) };
}

async function callApi(kind, asThief = false) {
  const seq = ++state.callSeq;
  if (!asThief) state.lastKind = kind;
  renderPending(`${asThief ? 'Replaying the token as a thief:' : 'Calling'} GET /api/messages/${kind}…`);
  let result;
  try {
    result = await performCall(kind, asThief);
  } catch (err) {
    result = errorResult(err);
  }
  if (seq === state.callSeq) renderResult(result);
  refreshTokenPanel();
}

// ---------- token panel ----------

function formatTime(seconds) {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toLocaleString() : '—';
}

function relativeExpiry(exp) {
  if (typeof exp !== 'number') return '';
  const minutes = Math.round((exp * 1000 - Date.now()) / 60_000);
  return minutes >= 0 ? ` (expires in ${minutes} min)` : ` (expired ${-minutes} min ago)`;
}

function renderTokenNote(text) {
  els.tokenPanel.replaceChildren(el('p', 'hint', text));
}

function renderToken(token) {
  const decoded = decodeJwt(token);
  if (!decoded) {
    renderTokenNote('Not a JWT: this token cannot be decoded locally. It is still sent to the API as-is.');
    return;
  }
  const { header, payload } = decoded;
  const perms = payload.permissions ?? payload.scp ?? payload.scope ?? payload.roles;
  const facts = el('dl', 'facts');
  for (const [term, value] of [
    ['Subject', payload.sub ?? '—'],
    ['Permissions', Array.isArray(perms) ? perms.join(', ') || '(none)' : perms || '(none)'],
    ['Issued', formatTime(payload.iat)],
    ['Expires', formatTime(payload.exp) + relativeExpiry(payload.exp)],
  ]) facts.append(el('dt', '', term), el('dd', '', String(value)));
  // RFC 9449 §6: a DPoP-bound token names its key's thumbprint; only that key's proofs open it.
  const jkt = payload.cnf?.jkt;
  const key = els.identity.value === 'signed-in' ? userProofKey() : null;
  const bound = el('dd', '', typeof jkt === 'string' ? jkt : 'none: a bearer token, usable by whoever holds it');
  bound.dataset.jkt = typeof jkt === 'string' ? jkt : '';
  if (key) bound.append(el('span', 'key-note', key.jkt === jkt ? ' (this tab\'s key)' : ' (not this tab\'s key!)'));
  facts.append(el('dt', '', 'Bound to key (cnf.jkt)'), bound);

  const column = (title, json) => {
    const box = el('div', 'token-part');
    box.append(el('h3', '', title), el('pre', '', JSON.stringify(json, null, 2)));
    return box;
  };
  const parts = el('div', 'token-parts');
  parts.append(column('Header', header), column('Claims', payload));
  els.tokenPanel.replaceChildren(facts, parts);
}

function refreshTokenPanel() {
  const identity = els.identity.value;
  if (identity === 'anonymous') return renderTokenNote('Anonymous: requests carry no Authorization header.');
  if (identity === 'signed-in') {
    const token = userToken();
    return token ? renderToken(token) : renderTokenNote('Sign in to see your access token.');
  }
  if (identity === 'paste') {
    const token = pastedToken();
    return token ? renderToken(token) : renderTokenNote('Paste a token above to see it decoded.');
  }
  const token = state.tokens.get(identity)?.token;
  if (token) return renderToken(token);
  if (els.identity.selectedOptions[0]?.disabled) return renderTokenNote('This demo client is not available on this server.');
  renderTokenNote(state.pending.has(identity) ? 'Requesting a token…' : 'No token yet; one is requested when needed.');
}

// ---------- wiring ----------

async function prefetch(clientId) {
  try {
    await clientToken(clientId);
  } catch (err) {
    // A call in progress reports the same failure itself; otherwise show it here.
    if (els.identity.value === clientId && els.response.dataset.status !== 'pending') {
      renderResult(errorResult(err));
    }
  }
}

function onIdentityChange() {
  const identity = els.identity.value;
  els.pasteArea.hidden = identity !== 'paste';
  els.replay.disabled = !(identity === 'signed-in' && userProofKey());
  els.hint.textContent = HINTS[identity] || '';
  if (DEMO_CLIENTS.includes(identity)) prefetch(identity);
  refreshTokenPanel();
}

els.identity.addEventListener('change', onIdentityChange);
els.tokenInput.addEventListener('input', refreshTokenPanel);
for (const button of document.querySelectorAll('[data-call]')) {
  button.addEventListener('click', () => callApi(button.dataset.call));
}
els.replay.addEventListener('click', () => callApi(state.lastKind, true));
// ---------- signing a person in ----------

function renderAccount(config) {
  const available = signInAvailable(config);
  const current = signedInUser();
  els.login.hidden = !available || Boolean(current);
  els.logout.hidden = !available || !current;
  els.user.hidden = !current;
  els.user.textContent = current ? current.email : '';
  const option = els.identity.querySelector('option[value="signed-in"]');
  option.disabled = !current;
  option.textContent = current ? `Signed-in user (${current.email})` : 'Signed-in user (sign in first)';
}

async function setUpSignIn(config) {
  els.login.addEventListener('click', () => signIn(config));
  els.logout.addEventListener('click', () => signOut(config));
  try {
    if (signInAvailable(config) && await completeSignIn(config)) {
      renderAccount(config);
      els.identity.value = 'signed-in';
      onIdentityChange();
    }
  } catch (err) {
    renderResult({ status: 'error', ok: false, statusLine: 'Sign-in failed', detail: String(err?.message || err) });
  }
  renderAccount(config);
}

configReady.then(applyConfig, showConfigError).catch((err) => showConfigError(err));
configReady.then(setUpSignIn, () => {});
// Keep "expires in N min" honest while the page stays open.
setInterval(refreshTokenPanel, 30_000);

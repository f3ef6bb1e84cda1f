// panva's oidc-provider (a certified OpenID Provider) on 127.0.0.1, for tests/interop/oidc_provider.rs.
//
// One confidential client with the client-credentials grant; resource indicators (RFC 8707) issue
// JWT access tokens (`typ: at+jwt`) for RESOURCE with the scope `read:admin-messages`.
// A line "rotate" on stdin replaces the signing key with a newly generated one (a new `kid`) on
// the same port; the provider then prints "rotated <kid>". At start it prints "listening <kid>".
//
// Environment: PORT, RESOURCE, CLIENT_ID, CLIENT_SECRET, DEPS (the folder holding node_modules,
// installed by scripts/test-deps.sh).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { PORT, RESOURCE, CLIENT_ID, CLIENT_SECRET, DEPS } = process.env;
const { default: Provider, errors } = await import(
  pathToFileURL(join(DEPS, 'node_modules', 'oidc-provider', 'lib', 'index.js')).href
);
const issuer = `http://127.0.0.1:${PORT}`;
const SCOPE = 'read:admin-messages';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function provider(key) {
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [key] },
    scopes: [SCOPE],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: SCOPE,
            audience: RESOURCE,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  return oidc.callback();
}

let key = signingKey();
let handle = provider(key);
const server = createServer((req, res) => handle(req, res));
server.listen(Number(PORT), '127.0.0.1', () => console.log(`listening ${key.kid}`));

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'rotate') {
    key = signingKey();
    handle = provider(key);
    console.log(`rotated ${key.kid}`);
  }
});
process.stdin.on('end', () => server.close(() => process.exit(0)));

// The benchmark peer: node-oidc-provider (one process) set up like authd for the same requests:
// an ES256 signing key, JWT access tokens (RFC 9068) and ES256 ID tokens, one confidential
// client (client_secret_basic) with authd's demo RP's id, secret and redirect URI, refresh tokens
// that rotate on every use (as authd's do). Listens on 127.0.0.1 only.
//
// Bench-only additions, documented in tests/bench/README.md:
//   - POST /bench/mint?kind=code|at&n=N mints through oidc-provider's own models what authd's
//     benchmark gets through a real login: N authorization codes (each with its own Grant for the
//     account, scope "openid profile offline_access api", resource urn:bench:api so that their
//     access tokens are JWTs, PKCE S256 with CHALLENGE), one per line; or one opaque access
//     token of such a grant (the peer's introspection endpoint refuses JWT access tokens:
//     "Structured JWT Tokens cannot be introspected"). Loopback only.
//   - the memory adapter's LRU holds 1,000,000 entries instead of 1,000 (pre-minted codes and
//     refresh tokens would otherwise be evicted before they are used).
// usage: node op.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI CHALLENGE
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const [port, clientId, clientSecret, redirectUri, challenge] = [
  Number(process.argv[2]), ...process.argv.slice(3, 7)];
if (!port || !challenge) {
  console.error('usage: node op.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI CHALLENGE');
  process.exit(2);
}
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = {
  ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench-es256',
};

const store = new LRU({ maxSize: 1000000 });
class BigMemoryAdapter extends MemoryAdapter {
  constructor(model) { super(model, store); }
}

const ACCOUNT = 'bench-citizen';
const SCOPE = 'openid profile offline_access';
const RESOURCE = 'urn:bench:api'; // what defaultResource names: access tokens for it are JWTs

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: BigMemoryAdapter,
  jwks: { keys: [jwk] },
  clients: [{
    client_id: clientId, client_secret: clientSecret,
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    redirect_uris: [redirectUri], response_types: ['code'],
    scope: 'openid profile offline_access api',
    id_token_signed_response_alg: 'ES256',
  }],
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      getResourceServerInfo: () => ({
        scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } },
      }),
      useGrantedResource: () => true,
    },
  },
  rotateRefreshToken: true,
  scopes: ['openid', 'profile', 'offline_access', 'api'],
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
});

// A Grant for the account and client, as consent would record it; its id.
async function grantNew() {
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId });
  grant.addOIDCScope(SCOPE);
  grant.addResourceScope(RESOURCE, 'api');
  return grant.save();
}

async function mint(kind, n) {
  const client = await provider.Client.find(clientId);
  const authTime = Math.floor(Date.now() / 1000);
  const out = [];
  for (let i = 0; i < n; i++) {
    const grantId = await grantNew();
    if (kind === 'at') {
      out.push(await new provider.AccessToken({
        accountId: ACCOUNT, client, grantId, scope: SCOPE, gty: 'authorization_code',
      }).save());
    } else {
      out.push(await new provider.AuthorizationCode({
        accountId: ACCOUNT, client, grantId, scope: `${SCOPE} api`, resource: RESOURCE,
        redirectUri, authTime,
        acr: 'urn:eid:level:1', amr: ['pwd', 'otp'], nonce: `n-${i}`,
        codeChallenge: challenge, codeChallengeMethod: 'S256',
      }).save());
    }
  }
  return out;
}

provider.use(async (ctx, next) => {
  if (ctx.path !== '/bench/mint') return next();
  const kind = ctx.query.kind, n = Number(ctx.query.n ?? 1);
  if (ctx.method !== 'POST' || !['127.0.0.1', '::ffff:127.0.0.1'].includes(ctx.ip) ||
      !['code', 'at'].includes(kind) || !(n >= 1 && n <= 1000000)) {
    ctx.status = 400;
    return;
  }
  ctx.type = 'text/plain';
  ctx.body = (await mint(kind, n)).join('\n') + '\n';
});

provider.listen(port, '127.0.0.1', () => console.log(`peer listening on ${port}`));

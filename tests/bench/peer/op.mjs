// The benchmark peer: node-oidc-provider (one process) with the same kind of setup as authd:
// an ES256 signing key, JWT access tokens, one confidential client. Listens on 127.0.0.1 only.
// usage: node op.mjs PORT
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench-es256' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  jwks: { keys: [jwk] },
  clients: [{
    client_id: 'bench', client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    redirect_uris: ['http://127.0.0.1:8081/callback'], response_types: ['code'],
    scope: 'openid api',
  }],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      useGrantedResource: () => true,
    },
  },
  scopes: ['openid', 'api'],
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
});
provider.listen(port, '127.0.0.1', () => console.log(`peer listening on ${port}`));

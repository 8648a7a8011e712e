// The independent relying party: openid-client 5.7.1 (npm, pinned in package.json), used as any
// RP would use it, unmodified, against authd: discovery, the authorization URL with PKCE S256,
// the code exchange with full ID-token validation (signature via jwks_uri, iss, aud, nonce,
// at_hash, RFC 9207 iss), userinfo, refresh (ID token validated again), introspection,
// revocation. The browser part (login form, consent) is driven with fetch and a cookie.
// Prints one line per step ("ok ..." / "FAIL ..."); exits 1 if any step failed.
// usage: node oidc_client.mjs ISSUER CLIENT_ID SECRET REDIRECT_URI ID_NUMBER PASSWORD OTP
import { Issuer, generators } from 'openid-client';

const [issuerUrl, clientId, secret, redirectUri, idNumber, password, otp] = process.argv.slice(2);
let failed = 0;
const step = async (name, fn) => {
  try { const v = await fn(); console.log(`ok    ${name}`); return v; } catch (e) { failed++; console.log(`FAIL  ${name}: ${e.message}`); return undefined; }
};
const must = (cond, msg) => { if (!cond) throw new Error(msg); };

const jar = new Map();
const keep = (res) => {
  const all = res.headers.getSetCookie ? res.headers.getSetCookie()
    : (res.headers.get('set-cookie') || '').split(/,(?=\s*[A-Za-z0-9_-]+=)/).filter(Boolean);
  for (const c of all) {
    const [nv] = c.split(';'); const i = nv.indexOf('=');
    jar.set(nv.slice(0, i), nv.slice(i + 1));
  }
};
const cookie = () => [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');
const get = async (u) => { const r = await fetch(u, { redirect: 'manual', headers: { cookie: cookie() } }); keep(r); return r; };
const post = async (u, fields) => {
  const r = await fetch(u, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields), headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' } });
  keep(r); return r;
};
const hidden = (html, name) => (html.match(new RegExp(`name="${name}" value="([^"]*)"`)) || [])[1];

const issuer = await step('discovery: Issuer.discover', () => Issuer.discover(issuerUrl));
if (!issuer) process.exit(1);
const client = new issuer.Client({
  client_id: clientId, client_secret: secret, redirect_uris: [redirectUri], response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256',
});
const verifier = generators.codeVerifier(), nonce = generators.nonce(), state = generators.state();
const url = client.authorizationUrl({ scope: 'openid profile offline_access', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256', nonce, state });

const callback = await step('browser: login form (password + TOTP) and consent', async () => {
  let r = await get(url); let html = await r.text();
  must(r.status === 200 && html.includes('name="password"'), `login form: ${r.status}`);
  r = await post(new URL('/login', issuerUrl), { tid: hidden(html, 'tid'), csrf: hidden(html, 'csrf'), id_number: idNumber, password, otp, action: 'login' });
  if (r.status === 200) {
    html = await r.text();
    must(html.includes('action="/consent"'), 'consent page');
    r = await post(new URL('/consent', issuerUrl), { tid: hidden(html, 'tid'), csrf: hidden(html, 'csrf'), decision: 'allow' });
  }
  must(r.status === 303 || r.status === 302, `redirect expected, got ${r.status}`);
  return r.headers.get('location');
});
if (!callback) process.exit(1);

const tokens = await step('code exchange: client.callback validates the ID token (signature, iss, aud, nonce, at_hash, iss parameter)', () =>
  client.callback(redirectUri, client.callbackParams(callback), { code_verifier: verifier, nonce, state }));
if (!tokens) process.exit(1);
const claims = tokens.claims();
await step('ID token claims: acr level 1, amr pwd+otp, pairwise sub', () => {
  must(claims.acr === 'urn:eid:level:1', `acr ${claims.acr}`);
  must(JSON.stringify(claims.amr) === '["pwd","otp"]', `amr ${claims.amr}`);
  must(claims.sub.length === 43 && !claims.sub.includes(idNumber), 'sub');
});
await step('userinfo: client.userinfo, same sub, name from the registry', async () => {
  const u = await client.userinfo(tokens.access_token);
  must(u.sub === claims.sub, 'sub differs'); must(typeof u.name === 'string' && u.name.length > 0, 'no name');
});
const refreshed = await step('refresh: client.refresh rotates and validates the new ID token', async () => {
  must(tokens.refresh_token, 'no refresh token');
  const t = await client.refresh(tokens.refresh_token);
  must(t.refresh_token && t.refresh_token !== tokens.refresh_token, 'not rotated');
  must(t.claims().sub === claims.sub, 'sub changed');
  return t;
});
await step('introspection: client.introspect says active with the scope', async () => {
  const i = await client.introspect(refreshed.access_token);
  must(i.active === true && i.scope.includes('openid') && i.client_id === clientId, JSON.stringify(i));
});
await step('revocation: client.revoke the refresh token, then it no longer refreshes', async () => {
  await client.revoke(refreshed.refresh_token, 'refresh_token');
  let refused = false;
  try { await client.refresh(refreshed.refresh_token); } catch (e) { refused = e.error === 'invalid_grant'; }
  must(refused, 'refresh after revocation was not refused with invalid_grant');
});
await step('after revocation the family\'s access token introspects inactive', async () => {
  const i = await client.introspect(refreshed.access_token);
  must(i.active === false, JSON.stringify(i));
});
process.exit(failed ? 1 : 0);

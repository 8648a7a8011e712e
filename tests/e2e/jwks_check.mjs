// Checks a served JWKS against the private keys on disk, with Node's own crypto (independent of
// authd's code): every kid is the RFC 7638 thumbprint of its key, no private member is served,
// and a signature made with each private key verifies with the served public key.
// usage: node jwks_check.mjs JWKS_URL KEYS_DIR
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [url, dir] = process.argv.slice(2);
const fail = (m) => { console.error(m); process.exit(1); };

const res = await fetch(url);
if (res.status !== 200) fail(`JWKS status ${res.status}`);
const jwks = await res.json();
const manifest = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));

const b64u = (b) => Buffer.from(b).toString('base64url');
const thumb = (k) => {
  const m = k.kty === 'EC' ? { crv: k.crv, kty: k.kty, x: k.x, y: k.y } : { e: k.e, kty: k.kty, n: k.n };
  return b64u(createHash('sha256').update(JSON.stringify(m)).digest());
};

if (!Array.isArray(jwks.keys) || jwks.keys.length !== manifest.keys.length)
  fail(`served ${jwks.keys?.length} keys, manifest lists ${manifest.keys.length}`);
for (const k of jwks.keys) {
  for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
    if (priv in k) fail(`kid ${k.kid} serves private member ${priv}`);
  if (k.kid !== thumb(k)) fail(`kid ${k.kid} is not the RFC 7638 thumbprint ${thumb(k)}`);
  if (k.use !== 'sig') fail(`kid ${k.kid}: use is ${k.use}`);
}
const msg = Buffer.from(`authd e2e ${Date.now()}`);
for (const ent of manifest.keys) {
  const priv = createPrivateKey(readFileSync(join(dir, ent.file)));
  const pubJwk = createPublicKey(priv).export({ format: 'jwk' });
  const served = jwks.keys.find((k) => k.kid === thumb(pubJwk));
  if (!served) fail(`${ent.file} is not served`);
  if (served.alg !== ent.alg) fail(`${ent.file}: alg ${served.alg} != ${ent.alg}`);
  const pub = createPublicKey({ key: served, format: 'jwk' });
  const opts = ent.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' } : {};
  const sig = sign('sha256', msg, { key: priv, ...opts });
  if (!verify('sha256', msg, { key: pub, ...opts }, sig)) fail(`${ent.file}: signature does not verify`);
  const bad = Buffer.from(msg); bad[0] ^= 1;
  if (verify('sha256', bad, { key: pub, ...opts }, sig)) fail(`${ent.file}: tampered message verifies`);
}
console.log(`jwks ok: ${jwks.keys.length} keys`);

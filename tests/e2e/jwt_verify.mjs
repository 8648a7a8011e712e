// Verifies a JWT authd issued against its published JWKS with Node's own crypto (independent of
// authd's code) and prints {"header":..,"claims":..}; exits 1 if the signature does not verify.
// usage: node jwt_verify.mjs JWKS_URL TOKEN
import { createPublicKey, verify } from 'node:crypto';

const [url, tok] = process.argv.slice(2);
const [h, p, s] = tok.split('.');
const header = JSON.parse(Buffer.from(h, 'base64url'));
const jwks = await (await fetch(url)).json();
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) { console.error('no key with kid', header.kid); process.exit(1); }
const key = createPublicKey({ key: jwk, format: 'jwk' });
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, 'base64url');
const ok = header.alg === 'ES256' ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
  : header.alg === 'RS256' ? verify('sha256', data, key, sig) : false;
if (!ok) { console.error('signature does not verify'); process.exit(1); }
console.log(JSON.stringify({ header, claims: JSON.parse(Buffer.from(p, 'base64url')) }));

// Signs a JWT with Node's own crypto (independent of authd): used to make client assertions and
// the attacks on them. Claims may use "$now+N" / "$now-N" strings for times relative to now.
// usage: node jwt_sign.mjs PEM ALG 'HEADER_JSON' 'CLAIMS_JSON'
//   ALG ES256 or RS256 signs with PEM; "none" leaves the signature empty; "HS256" keys an HMAC
//   with the PEM's public JWK "x" (the key-confusion attack).
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [pem, alg, hdr, cl] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);
const claims = JSON.parse(cl, (k, v) => (typeof v === 'string' && v.startsWith('$now') ? now + Number(v.slice(4) || 0) : v));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const input = `${b64({ alg, ...JSON.parse(hdr) })}.${b64(claims)}`;
const key = createPrivateKey(readFileSync(pem));
let sig = '';
if (alg === 'ES256') sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
if (alg === 'RS256') sig = sign('sha256', Buffer.from(input), key).toString('base64url');
if (alg === 'HS256') sig = createHmac('sha256', createPublicKey(key).export({ format: 'jwk' }).x).update(input).digest('base64url');
console.log(`${input}.${sig}`);

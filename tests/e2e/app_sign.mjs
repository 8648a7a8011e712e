// Signs an app-login proof with Node's own crypto (independent of authd and of libjwt):
// a compact JWS, ES256 (raw r||s), header {alg, kid}, payload {challenge, id_number, aud}.
// usage: node app_sign.mjs DEVICE_PEM KID CHALLENGE ID_NUMBER AUD [ALG]
//   ALG "none" or "HS256" makes the attacks the server must refuse.
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [pem, kid, challenge, id, aud, alg = 'ES256'] = process.argv.slice(2);
const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const head = b64({ alg, kid });
const body = b64({ challenge, id_number: id, aud });
const input = `${head}.${body}`;
let sig = '';
const key = createPrivateKey(readFileSync(pem));
if (alg === 'ES256') sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
if (alg === 'HS256') sig = createHmac('sha256', createPublicKey(key).export({ format: 'jwk' }).x).update(input).digest('base64url');
console.log(`${input}.${sig}`);

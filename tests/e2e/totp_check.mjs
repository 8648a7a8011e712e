// Independent check of an activated account's one-time codes, with Node's own crypto:
// the TOTP seed authd stored (AES-256-GCM under keys/data.key, AAD "totp:<ID>") decrypts to the
// secret the app received, and RFC 6238 over it gives the code `eid-app otp` printed.
// usage: node totp_check.mjs KEYS_DIR ID_NUMBER SEALED_B64URL APP_SECRET_BASE32 APP_CODE
import { createDecipheriv, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [dir, id, sealedB64, appSecret, appCode] = process.argv.slice(2);
const fail = (m) => { console.error(m); process.exit(1); };
const key = Buffer.from(readFileSync(`${dir}/data.key`, 'utf8').trim(), 'base64url');
const sealed = Buffer.from(sealedB64, 'base64url');
const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
d.setAAD(Buffer.from(`totp:${id}`));
d.setAuthTag(sealed.subarray(sealed.length - 16));
const seed = Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);

const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
let bits = '', b32 = '';
for (const b of seed) bits += b.toString(2).padStart(8, '0');
for (let i = 0; i < bits.length; i += 5) b32 += A[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
if (b32 !== appSecret) fail(`stored seed ${b32} != the app's ${appSecret}`);
if (seed.length < 20) fail('seed shorter than 160 bits');

const code = (step) => {
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', seed).update(msg).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
};
const now = Math.floor(Date.now() / 1000 / 30);
if (![now, now - 1].map(code).includes(appCode)) fail(`eid-app otp ${appCode} is not RFC 6238 of the seed`);
console.log('totp ok');

// Passcode logins against authd's app API at a fixed rate (or as fast as `conc` workers go),
// for a bounded time: challenge → ES256 device signature (node crypto) → passcode. Each login
// costs authd one Argon2id verification on its pool. Prints one line of figures.
// usage: node login_load.mjs URL STATE_DIR SECONDS RATE|max [CONCURRENCY]
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [url, dir, secs, rateArg, concArg] = process.argv.slice(2);
const st = JSON.parse(readFileSync(`${dir}/state.json`, 'utf8'));
const key = createPrivateKey(readFileSync(`${dir}/device.pem`));
const passcode = process.env.PASSCODE || '468213';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const post = (p, body) => fetch(url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function one() {
  const t0 = performance.now();
  const c = (await (await post('/app/v1/login/challenge', { id_number: st.id_number })).json()).challenge;
  const input = `${b64({ alg: 'ES256', kid: st.device_id })}.${b64({ challenge: c, id_number: st.id_number, aud: `${url}/app/v1/login` })}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const r = await post('/app/v1/login', { id_number: st.id_number, challenge: c, signature: `${input}.${sig}`, passcode });
  await r.arrayBuffer();
  return { ok: r.status === 200, ms: performance.now() - t0 };
}

const end = Date.now() + Number(secs) * 1000;
const lat = []; let ok = 0, bad = 0;
const record = (x) => { x.ok ? ok++ : bad++; lat.push(x.ms); };
if (rateArg === 'max') {
  const conc = Number(concArg || 8);
  await Promise.all(Array.from({ length: conc }, async () => { while (Date.now() < end) record(await one()); }));
} else {
  const gap = 1000 / Number(rateArg), pending = [];
  for (let next = Date.now(); next < end; next += gap) {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(one().then(record, () => bad++));
  }
  await Promise.all(pending);
}
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1) : '-');
console.log(`logins ok ${ok} failed ${bad} rate ${(ok / Number(secs)).toFixed(1)}/s p50 ${q(0.5)} ms p99 ${q(0.99)} ms`);

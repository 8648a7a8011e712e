// Open-loop latency probe: GETs a URL at a fixed rate for a bounded time over a few keep-alive
// connections and prints "sent N ok M rate R/s p50 X ms p99 Y ms". Unlike wrk (closed loop), the
// rate does not drop when the server slows, so queueing shows in the latency.
// usage: node rate_probe.mjs URL RATE SECONDS
import http from 'node:http';

const [url, rateArg, secs] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const rate = Number(rateArg), end = Date.now() + Number(secs) * 1000;
const lat = []; let sent = 0, ok = 0;
const get = () => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  http.get(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => { if (res.statusCode === 200) ok++; lat.push(Number(process.hrtime.bigint() - t0) / 1e6); resolve(); });
  }).on('error', resolve);
});
const pending = [];
const tick = 10; // ms: send rate*tick/1000 requests every tick
for (let next = Date.now(); next < end; next += tick) {
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  for (let i = 0; i < (rate * tick) / 1000; i++) { sent++; pending.push(get()); }
}
await Promise.all(pending);
agent.destroy();
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
console.log(`sent ${sent} ok ${ok} rate ${(ok / Number(secs)).toFixed(0)}/s p50 ${q(0.5)} ms p99 ${q(0.99)} ms`);

// Slow clients for the faults e2e suite (node built-ins only): N connections to 127.0.0.1:PORT,
// each sending the start of a request and then, in mode "drip", one more header line every 2 s
// (never finishing), in mode "idle", nothing. After SECONDS it writes {"open", "closed"} (how
// many connected, how many the server closed) to OUT and ends every connection.
// usage: node slowloris.mjs PORT N SECONDS drip|idle OUT
import fs from 'node:fs';
import net from 'node:net';

const [port, n, secs, mode, out] = process.argv.slice(2);
if (!out) {
	console.error('usage: node slowloris.mjs PORT N SECONDS drip|idle OUT');
	process.exit(2);
}
let open = 0;
let closed = 0;
const socks = [];
for (let i = 0; i < Number(n); i++) {
	const s = net.connect(Number(port), '127.0.0.1', () => {
		open++;
		s.write('GET /healthz HTTP/1.1\r\nHost: slow\r\n');
	});
	s.on('error', () => {});
	s.on('close', () => { closed++; });
	socks.push(s);
}
const drip = setInterval(() => {
	if (mode === 'drip') for (const s of socks) if (!s.destroyed) s.write('X-Slow: 1\r\n');
}, 2000);
setTimeout(() => {
	clearInterval(drip);
	fs.writeFileSync(out, JSON.stringify({ open, closed }));
	for (const s of socks) s.destroy();
	process.exit(0);
}, Number(secs) * 1000);

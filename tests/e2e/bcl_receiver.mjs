// A stand-in RP back-channel logout endpoint for the admin e2e suite (node built-ins only): an
// HTTP server on 127.0.0.1 that appends the logout_token of every POST it receives to OUT (one
// per line) and answers 503 to the first FAIL requests (to make authd retry), 200 after.
// When listening, it creates OUT.ready.
// usage: node bcl_receiver.mjs PORT OUT FAIL
import fs from 'node:fs';
import http from 'node:http';

const [port, out, fail] = process.argv.slice(2);
if (!out) {
	console.error('usage: node bcl_receiver.mjs PORT OUT FAIL');
	process.exit(2);
}
let failures = Number(fail || 0);
const server = http.createServer((req, res) => {
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size > 65536) req.destroy();
		else chunks.push(c);
	});
	req.on('end', () => {
		const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
		const ok = req.method === 'POST' && req.headers['content-type'] === 'application/x-www-form-urlencoded';
		if (failures > 0) {
			failures--;
			fs.appendFileSync(out + '.refused', (body.get('logout_token') || '') + '\n');
			res.writeHead(503).end();
			return;
		}
		fs.appendFileSync(out, (ok ? body.get('logout_token') || '' : 'bad request') + '\n');
		res.writeHead(ok ? 200 : 400, { 'Cache-Control': 'no-store' }).end();
	});
});
server.listen(Number(port), '127.0.0.1', () => fs.writeFileSync(out + '.ready', ''));

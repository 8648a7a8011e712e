// A stand-in SMS gateway for the webhook e2e suite (node built-ins only): an HTTPS server on
// 127.0.0.1 that appends every request it receives to OUT as one JSON line
// {method, url, headers, body, mode} and answers by the mode read from MODE_FILE at that moment:
//   ok    200 {"queued":true}
//   500   500 {"error":"gateway down"}
//   hang  never answers (the connection stays open until the client gives up)
// A missing MODE_FILE means ok. When listening, it creates OUT.ready.
// usage: node sms_receiver.mjs PORT CERT.pem KEY.pem OUT MODE_FILE
import fs from 'node:fs';
import https from 'node:https';

const [port, cert, key, out, modeFile] = process.argv.slice(2);
if (!modeFile) {
	console.error('usage: node sms_receiver.mjs PORT CERT.pem KEY.pem OUT MODE_FILE');
	process.exit(2);
}

function mode() {
	try {
		return fs.readFileSync(modeFile, 'utf8').trim();
	} catch {
		return 'ok';
	}
}

const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size > 65536) req.destroy();
		else chunks.push(c);
	});
	req.on('end', () => {
		const m = mode();
		const body = Buffer.concat(chunks).toString('utf8');
		fs.appendFileSync(out, JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body, mode: m }) + '\n');
		if (m === 'hang') return;
		const status = m === '500' ? 500 : 200;
		res.writeHead(status, { 'Content-Type': 'application/json' });
		res.end(status === 200 ? '{"queued":true}' : '{"error":"gateway down"}');
	});
});
server.on('tlsClientError', () => {}); // a refused handshake is what some cases are about
server.listen(Number(port), '127.0.0.1', () => fs.writeFileSync(out + '.ready', ''));

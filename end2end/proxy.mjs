// One address in front of several app servers, for the journeys on the scale-out setup
// (issue 25): `node proxy.mjs PORT UPSTREAM_PORT...`. Each request goes to the next server
// in turn, so a page's HTML, its WASM, its server functions and its live stream are served
// by different processes sharing one PostgreSQL database, as behind a round-robin balancer.
// Bodies stream both ways (uploads, downloads, the live stream). The test clock is the one
// piece of per-process state the journeys set: it is sent to every server.
import http from 'node:http';

const [port, ...upstreams] = process.argv.slice(2).map(Number);
if (!port || upstreams.length === 0) {
  console.error('usage: node proxy.mjs PORT UPSTREAM_PORT...');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true });
let next = 0;

function forward(req, upstream) {
  return http.request({
    host: '127.0.0.1',
    port: upstream,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  });
}

http
  .createServer((req, res) => {
    const fail = (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    };
    if (req.url.startsWith('/api/test/clock')) {
      // Every server's clock moves; the first one's answer is the answer.
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        try {
          const answers = await Promise.all(
            upstreams.map(
              (u) =>
                new Promise((resolve, reject) => {
                  const out = forward(req, u);
                  out.on('response', (r) => {
                    const got = [];
                    r.on('data', (c) => got.push(c));
                    r.on('end', () => resolve([r, Buffer.concat(got)]));
                  });
                  out.on('error', reject);
                  out.end(body);
                }),
            ),
          );
          const [first, text] = answers[0];
          res.writeHead(first.statusCode, first.headers);
          res.end(text);
        } catch (err) {
          fail(err);
        }
      });
      return;
    }
    const upstream = upstreams[next++ % upstreams.length];
    const out = forward(req, upstream);
    out.on('response', (r) => {
      res.writeHead(r.statusCode, r.statusMessage, r.headers);
      // Flushed as it comes: the live stream's events must not wait in a buffer.
      r.pipe(res);
    });
    out.on('error', fail);
    // A browser that goes away (a closed tab's live stream, a cancelled upload) ends the
    // upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  })
  .listen(port, '127.0.0.1', () => console.error(`proxy on ${port} -> ${upstreams.join(', ')}`));

// One static HTTP server for every engine in the performance benchmark, so transfer sizes
// are comparable: each response is compressed the same way (brotli quality 11 when the
// browser accepts it, else gzip 9; Pagefind's own pre-gzipped data files are sent as they
// are), and every byte sent is counted per path. Host pages are generated per request.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.pack': 'application/octet-stream',
};

// Content-addressed names, every engine's: Deflect's `kb.<16 hex>.pack|piece`, articles
// `<16 hex>.html`; Pagefind's `en_<7+ hex>.pf_index|pf_fragment`, `pagefind.en_<hex>.pf_meta`.
const HASHED = /(^|[._\/-])([0-9a-f]{16}|en_[0-9a-f]{7,})\.[a-z_]+$/;

// Pagefind writes its index, meta and fragment files gzip'd (its runtime inflates them).
const PRECOMPRESSED = /\.pf_(index|meta|fragment)$|\.pagefind$/;

/**
 * Starts the server. `mounts` maps URL prefixes ("/widget/") to folders; `pages` maps exact
 * paths to functions returning HTML. Returns { url, counters, reset, close }.
 */
export async function startBenchServer({ mounts, pages }) {
  const compressed = new Map(); // path + encoding → Buffer
  // Every response since the last reset: url path, bytes sent, and when its request arrived
  // (epoch ms, the clock the browser's performance.timeOrigin uses), so a measurement can
  // count only what was asked for before a moment in the page.
  let served = [];

  function count(p, n, at) {
    served.push({ path: p, bytes: n, at });
  }

  function encode(file, body, accept) {
    if (PRECOMPRESSED.test(file)) return { body, encoding: null };
    const encoding = /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : null;
    if (!encoding) return { body, encoding };
    const key = `${file}\n${encoding}\n${body.length}`;
    let out = compressed.get(key);
    if (!out) {
      out =
        encoding === 'br'
          ? zlib.brotliCompressSync(body, {
              params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
            })
          : zlib.gzipSync(body, { level: 9 });
      compressed.set(key, out);
    }
    return { body: out, encoding };
  }

  const etags = new Map(); // path → ETag, computed once (pages are generated each time)
  const etagOf = (key, raw) => {
    if (!etags.has(key) || !key.includes(path.sep)) etags.set(key, `"${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 20)}"`);
    return etags.get(key);
  };

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const url = new URL(req.url, 'http://127.0.0.1');
    const headers = { 'cache-control': 'no-cache', 'access-control-allow-origin': '*' };
    const send = (status, type, raw, file) => {
      const { body, encoding } = encode(file ?? url.pathname, raw, req.headers['accept-encoding'] ?? '');
      // As a CDN serves them (and `deflect serve` does): files named by a hash of their
      // bytes are immutable, everything else is revalidated against its ETag.
      const etag = etagOf(file ?? url.pathname, raw);
      const caching = HASHED.test(url.pathname) ? { 'cache-control': 'public, max-age=31536000, immutable' } : { etag };
      if (status === 200 && !caching['cache-control'] && req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ...headers, etag });
        res.end();
        count(url.pathname, 0, at);
        return;
      }
      res.writeHead(status, { ...headers, ...caching, 'content-type': type, ...(encoding ? { 'content-encoding': encoding, vary: 'accept-encoding' } : {}) });
      res.end(body);
      count(url.pathname, body.length, at);
    };
    const page = pages[url.pathname];
    if (page) return send(200, TYPES['.html'], Buffer.from(page(url.searchParams)));
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!url.pathname.startsWith(prefix)) continue;
      const rel = decodeURIComponent(url.pathname.slice(prefix.length));
      const file = path.resolve(dir, rel);
      if (!file.startsWith(path.resolve(dir) + path.sep)) break;
      return fs.readFile(file, (err, body) => {
        if (err) {
          res.writeHead(404, headers);
          res.end();
          count(url.pathname, 0, at);
          return;
        }
        send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', body, file);
      });
    }
    res.writeHead(404, headers);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

  /** Compresses every file under the mounts now, so no timed request waits for brotli. */
  function warm() {
    const walk = (dir) =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    let files = 0;
    for (const dir of Object.values(mounts)) {
      for (const file of walk(dir)) {
        const body = fs.readFileSync(file);
        encode(file, body, 'br');
        encode(file, body, 'gzip');
        files += 1;
      }
    }
    return files;
  }

  return {
    warm,
    url: `http://127.0.0.1:${server.address().port}`,
    /** Bytes and requests per path since the last reset, of requests that arrived before
     * `until` (epoch ms; all when absent). */
    counters(until = Infinity) {
      const out = new Map();
      for (const r of served) {
        if (r.at > until) continue;
        const c = out.get(r.path) ?? { bytes: 0, requests: 0 };
        c.bytes += r.bytes;
        c.requests += 1;
        out.set(r.path, c);
      }
      return out;
    },
    reset() {
      served = [];
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Pagefind: the index is built with its Node API (createIndex / addCustomRecord / writeFiles)
// and searched with its own browser runtime in headless Chromium, served from 127.0.0.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import * as pagefind from 'pagefind';
import { chromium } from 'playwright-core';
import { sizesOfFiles } from '../lib.mjs';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.css': 'text/css',
};

/** Pagefind's data files are gzip'd with a `pagefind_dcd` signature inside. */
function decodePf(buf) {
  let b = buf;
  try {
    b = zlib.gunzipSync(buf);
  } catch {
    /* not gzip'd */
  }
  return b;
}

// Runs inside the page. Searches each text with pagefind.search; with `fallback`, a search that
// returns nothing is retried word by word and the results merged by each page's best score.
// `cache` keeps the per-word results of the fallback between calls (the typing walk-back asks
// for many prefixes that share all but their last word); results are the same either way.
const PAGE_BATCH = async ({ texts, k, fallback, cache }) => {
  const pf = window.__pf;
  window.__wordCache ??= new Map();
  const wordCache = window.__wordCache;
  const out = [];
  for (const text of texts) {
    const t0 = performance.now();
    let ranked = (await pf.search(text)).results.map((r) => ({ id: r.id, score: r.score }));
    if (fallback && ranked.length === 0) {
      const best = new Map();
      for (const w of text.split(/\s+/).filter((x) => x !== '')) {
        let rs = cache ? wordCache.get(w) : undefined;
        if (!rs) {
          rs = (await pf.search(w)).results.map((r) => ({ id: r.id, score: r.score }));
          if (cache) wordCache.set(w, rs);
        }
        for (const r of rs) if (!(best.get(r.id) >= r.score)) best.set(r.id, r.score);
      }
      ranked = [...best].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
    }
    const ids = ranked.slice(0, k).map((r) => r.id);
    out.push({ ids, ms: performance.now() - t0 });
  }
  return out;
};

/**
 * One Pagefind bundle and one browser page; `engines()` gives the default and the
 * OR-fallback views of it.
 */
export async function createPagefindSession({ workDir, label = 'fqa' }) {
  const root = path.join(workDir, `pagefind-${label}`);
  const bundle = path.join(root, 'pagefind');
  const served = new Map();
  let server = null;
  let context = null;
  let page = null;
  let userDataDir = null;
  let idToDoc = new Map();
  let info = {};

  async function build(docs) {
    fs.rmSync(root, { recursive: true, force: true });
    const t0 = performance.now();
    const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
    if (errors.length) throw new Error(`pagefind createIndex: ${errors.join('; ')}`);
    for (const d of docs) {
      const r = await index.addCustomRecord({
        url: '/' + encodeURIComponent(d.id),
        content: `${d.title}\n${d.body}`,
        language: 'en',
        meta: { title: d.title },
      });
      if (r.errors.length) throw new Error(`pagefind addCustomRecord ${d.id}: ${r.errors.join('; ')}`);
    }
    const w = await index.writeFiles({ outputPath: bundle });
    if (w.errors.length) throw new Error(`pagefind writeFiles: ${w.errors.join('; ')}`);
    await index.deleteIndex();
    info.buildMs = performance.now() - t0;

    // Result ids are fragment names; the fragment's url is the doc id.
    idToDoc = new Map();
    for (const f of fs.readdirSync(path.join(bundle, 'fragment'))) {
      const text = decodePf(fs.readFileSync(path.join(bundle, 'fragment', f))).toString('utf8');
      const frag = JSON.parse(text.slice(text.indexOf('{')));
      idToDoc.set(f.replace(/\.pf_fragment$/, ''), decodeURIComponent(frag.url.slice(1)));
    }
    // What any search may need besides the engine code: entry, meta and every index chunk.
    const dataFiles = [
      path.join(bundle, 'pagefind-entry.json'),
      ...fs.readdirSync(bundle).filter((f) => f.endsWith('.pf_meta')).map((f) => path.join(bundle, f)),
      ...fs.readdirSync(path.join(bundle, 'index')).map((f) => path.join(bundle, 'index', f)),
    ];
    const codeFiles = ['pagefind.js', 'pagefind-worker.js', 'wasm.en.pagefind'].map((f) => path.join(bundle, f));
    info.indexSizes = sizesOfFiles(dataFiles.map((f) => decodePf(fs.readFileSync(f))));
    info.codeSizes = sizesOfFiles(codeFiles.filter((f) => fs.existsSync(f)).map((f) => decodePf(fs.readFileSync(f))));
    info.chunks = dataFiles.length - 2;
  }

  async function start() {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><meta charset="utf-8"><title>pagefind bench</title><link rel="icon" href="data:,">');
        return;
      }
      const p = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
      if (!p.startsWith(root + path.sep)) {
        res.writeHead(403);
        res.end();
        return;
      }
      fs.readFile(p, (err, body) => {
        if (err) {
          res.writeHead(404);
          res.end();
          return;
        }
        served.set(url.pathname, body.length);
        res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream' });
        res.end(body);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deflect-bench-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.evaluate(async () => {
      window.__pf = await import('/pagefind/pagefind.js');
      await window.__pf.init();
    });
  }

  const bytesServed = (pred = () => true) =>
    [...served].filter(([p]) => pred(p)).reduce((a, [, n]) => a + n, 0);

  function view(name, fallback) {
    return {
      name,
      latencySubset: fallback ? 100 : null,
      runtime: 'Chromium (headless), own JS + wasm',
      async build() {
        return { index: info.indexSizes, what: 'entry + meta + all index chunks (gunzipped raw; served pre-gzipped)' };
      },
      async searchMany(texts, k = 10, { cache = false } = {}) {
        const out = [];
        // Chunks keep CDP messages small; the batch function loops inside the page.
        for (let i = 0; i < texts.length; i += 500) {
          const part = await page.evaluate(PAGE_BATCH, { texts: texts.slice(i, i + 500), k, fallback, cache });
          out.push(...part);
        }
        return {
          hits: out.map((r) => r.ids.map((id) => idToDoc.get(id) ?? id)),
          ms: out.map((r) => r.ms),
        };
      },
      async close() {},
    };
  }

  return {
    build,
    start,
    info,
    /** The folder `build` writes the bundle to. */
    bundle,
    /**
     * What a page loads to answer its first question: the bytes the server sent from page
     * load through that first search (pagefind.js, its worker and wasm, entry, meta and the
     * index chunks the question's words live in), as served (Pagefind's data files are
     * stored gzip'd, its JS is not).
     */
    async firstSearch(text) {
      await page.evaluate(PAGE_BATCH, { texts: [text], k: 10, fallback: false, cache: false });
      const chunks = [...served.keys()].filter((p) => p.endsWith('.pf_index')).length;
      return { bytes: bytesServed(), chunks };
    },
    engines: () => [view('Pagefind (defaults)', false), view('Pagefind + OR fallback', true)],
    async close() {
      if (context) await context.close();
      if (server) server.close();
      if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
      await pagefind.close();
    },
  };
}

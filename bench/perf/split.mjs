#!/usr/bin/env node
// Bytes before the first suggestion: the split pack (hot part + the pieces the query reads)
// against the same index as one whole pack, measured in the same run, in headless Chromium
// against `deflect serve` (brotli as served), on FeedbackQA and the generated 20k corpus.
//
//   node bench/perf/split.mjs [--bin PATH] [--eval-dir DIR] [--corpora fqa,gen20k]
//
// Needs the CLI (`cargo build -p deflect`), the built widget (`scripts/build-site`) and the
// `brotli` command. "Whole" is the split build reassembled into one pack (format 2, no
// pieces), which the widget reads as it read every pack before the split.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { generateCorpus } from './corpus.mjs';
import { CHROMIUM, CHROMIUM_ARGS, startServer, stopServer } from '../../tests/e2e/harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = { bin: process.env.DEFLECT_BIN, evalDir: path.join(repo, '..', 'shared', 'eval'), corpora: ['fqa', 'gen20k'] };
for (let i = 2; i < process.argv.length; i += 2) {
  const [k, v] = [process.argv[i], process.argv[i + 1]];
  if (k === '--bin') args.bin = v;
  else if (k === '--eval-dir') args.evalDir = v;
  else if (k === '--corpora') args.corpora = v.split(',');
  else throw new Error(`unknown option ${k}`);
}
args.bin ??= path.resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target', 'debug', 'deflect');

const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

/** The split pack in `src` put back together as one whole pack in `dst`. */
function reassemble(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8'));
  const b = fs.readFileSync(path.join(src, manifest.pack));
  const count = b.readUInt32LE(12);
  let at = 28;
  const entries = [];
  for (let i = 0; i < count; i++) {
    const n = b.readUInt16LE(at);
    const name = b.subarray(at + 2, at + 2 + n).toString();
    at += 2 + n;
    entries.push([name, Number(b.readBigUInt64LE(at)), Number(b.readBigUInt64LE(at + 8))]);
    at += 16;
  }
  const data = b.subarray(at);
  const files = new Map(entries.map(([name, off, len]) => [name, data.subarray(off, off + len)]));
  const table = JSON.parse(files.get('pieces.json').toString());
  const out = [...files].filter(([n]) => n !== 'pieces.json' && !n.includes('@'));
  for (const f of table.files) out.push([f.name, Buffer.concat(f.pieces.map((p) => fs.readFileSync(path.join(src, p))))]);
  const parts = [];
  let offset = 0n;
  for (const [name, bytes] of out) {
    const head = Buffer.alloc(2 + Buffer.byteLength(name) + 16);
    head.writeUInt16LE(Buffer.byteLength(name), 0);
    head.write(name, 2);
    head.writeBigUInt64LE(offset, 2 + Buffer.byteLength(name));
    head.writeBigUInt64LE(BigInt(bytes.length), 10 + Buffer.byteLength(name));
    offset += BigInt(bytes.length);
    parts.push(head);
  }
  const body = Buffer.concat([...parts, ...out.map(([, bytes]) => bytes)]);
  const header = Buffer.alloc(28);
  header.write('DFLCTPAK', 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(out.length, 12);
  header.writeBigUInt64LE(BigInt(body.length), 16);
  header.writeUInt32LE(crc32(body), 24);
  fs.writeFileSync(path.join(dst, 'kb.0000000000000000.pack'), Buffer.concat([header, body]));
  fs.writeFileSync(path.join(dst, 'manifest.json'), JSON.stringify({ ...manifest, pack: 'kb.0000000000000000.pack', pieces: 0, pieces_bytes: 0 }));
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

const host = (manifest) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head>
<body><script async src="/widget/deflect.js" data-index="${manifest}" data-collector="/"></script></body></html>`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deflect-split-'));
const site = path.join(work, 'site');
fs.mkdirSync(site);
fs.symlinkSync(path.join(repo, 'dist', 'site', 'widget'), path.join(site, 'widget'));
const fqa = readJsonl(path.join(args.evalDir, 'feedbackqa', 'docs.jsonl'));
const gnome = readJsonl(path.join(args.evalDir, 'gnome-help', 'docs.jsonl'));
const corpora = { fqa: { label: 'FeedbackQA', docs: fqa, cold: 'passport' }, gen20k: { label: 'Generated 20k', docs: null, cold: 'passport' } };
for (const key of args.corpora) {
  const c = corpora[key];
  c.docs ??= generateCorpus([...fqa, ...gnome], 20_000, 0xdef1ec7);
  const docs = path.join(work, `${key}.jsonl`);
  fs.writeFileSync(docs, c.docs.map((d) => JSON.stringify({ id: d.id, title: d.title, body: d.body, url: d.url ?? '' })).join('\n') + '\n');
  const split = path.join(site, `${key}-split`);
  const r = spawnSync(args.bin, ['build', docs, '--out', split, '-q'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`deflect build: ${r.stderr}`);
  reassemble(split, path.join(site, `${key}-whole`));
  for (const v of ['split', 'whole']) {
    const dir = path.join(site, `${key}-${v}`);
    for (const f of fs.readdirSync(dir)) if (/\.(pack|piece)$/.test(f)) execFileSync('brotli', ['-q', '11', '-k', '-f', path.join(dir, f)]);
    fs.writeFileSync(path.join(site, `${key}-${v}.html`), host(`/${key}-${v}/manifest.json`));
  }
}

const server = await startServer([], site);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const rows = [];
try {
  for (const key of args.corpora) {
    for (const v of ['whole', 'split']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}${key}-${v}.html`, { waitUntil: 'load' });
      await page.locator('#deflect-widget button.deflect-launcher').waitFor();
      const t0 = Date.now();
      await page.click('#deflect-widget button.deflect-launcher');
      await page.locator('#deflect-widget input.deflect-search').fill(corpora[key].cold);
      await page.locator('#deflect-widget li.deflect-result').first().waitFor({ timeout: 120_000 });
      const ms = Date.now() - t0;
      const m = await page.evaluate(() => {
        const painted = performance.getEntriesByName('deflect:suggestions')[0].startTime;
        const before = performance.getEntriesByType('resource').filter((e) => e.startTime < painted);
        const part = (re) => before.filter((e) => re.test(e.name)).reduce((a, e) => a + e.transferSize, 0);
        return {
          requests: before.length,
          bytes: before.reduce((a, e) => a + e.transferSize, 0),
          wasm: part(/\.wasm$/),
          index: part(/\.(pack|piece)$/),
          pieces: before.filter((e) => e.name.endsWith('.piece')).length,
        };
      });
      rows.push({ corpus: corpora[key].label, variant: v, ms, ...m });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await stopServer(server);
  fs.rmSync(work, { recursive: true, force: true });
}
console.log('| Knowledge base | Pack | Bytes before the first suggestion | of which index | wasm | Requests (pieces) | Click → first suggestion (localhost) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.corpus} | ${r.variant} | ${kb(r.bytes)} | ${kb(r.index)} | ${kb(r.wasm)} | ${r.requests} (${r.pieces}) | ${r.ms} ms |`);

// Deflect through its CLI: `deflect build` for the pack, `deflect search --queries` to rank in
// batch exactly as the widget does after the last keystroke.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readJsonl, sizes } from '../lib.mjs';

function run(bin, args, opts = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

export function createDeflect({ bin, workDir, name = 'Deflect' }) {
  const dir = path.join(workDir, 'deflect-index');
  let batchNo = 0;

  /** Runs one batch; returns per-text ranked ids and the wall time of the whole process. */
  function batch(texts, k) {
    const qfile = path.join(workDir, `deflect-queries-${batchNo++}.jsonl`);
    const out = path.join(workDir, 'deflect-out.jsonl');
    fs.writeFileSync(qfile, texts.map((text, i) => JSON.stringify({ id: `q${i}`, text }) + '\n').join(''));
    const fd = fs.openSync(out, 'w');
    const t0 = performance.now();
    run(bin, ['search', dir, '--queries', qfile, '--top', String(k)], { stdio: ['ignore', fd, 'pipe'] });
    const wallMs = performance.now() - t0;
    fs.closeSync(fd);
    const byId = new Map(readJsonl(out).map((l) => [String(l.query_id), l.hits.map((h) => String(h.id))]));
    fs.rmSync(qfile);
    fs.rmSync(out);
    return { hits: texts.map((_, i) => byId.get(`q${i}`) ?? []), wallMs };
  }

  return {
    name,
    runtime: 'native CLI',
    async build(docsFile) {
      fs.rmSync(dir, { recursive: true, force: true });
      run(bin, ['build', docsFile, '--out', dir, '-q']);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      const pack = fs.readFileSync(path.join(dir, manifest.pack));
      return { index: sizes(pack), what: 'the pack' };
    },
    async searchMany(texts, k = 10) {
      const { hits, wallMs } = batch(texts, k);
      // Native batch: only the whole run's wall time is known (process start and pack load
      // included), so every query gets the mean and p95 is not reported.
      return { hits, ms: null, wallMs };
    },
    /**
     * Typing saved in one process run: every prefix of every question goes into one query
     * file, and the walk-back then reads the answers from a table.
     */
    async prefixSearcher(questions, k) {
      const texts = new Set();
      for (const q of questions) {
        const cs = Array.from(q.text);
        for (let n = 1; n <= cs.length; n++) texts.add(cs.slice(0, n).join(''));
      }
      const list = [...texts];
      const { hits, wallMs } = batch(list, k);
      const table = new Map(list.map((t, i) => [t, hits[i]]));
      return { searchMany: async (ts) => ts.map((t) => table.get(t)), queries: list.length, wallMs };
    },
    async close() {},
  };
}

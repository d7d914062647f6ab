// Shared helpers: command-line arguments, data loading, metrics and size measurement for the
// quality benchmark (and bench/perf, which uses some of them).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A benchmark's command line. Every benchmark takes `--eval-dir DIR` (default
 * $DEFLECT_EVAL_DIR or ../shared/eval), `--bin PATH` (default $DEFLECT_BIN or the release
 * CLI), `--no-write` and `-h` (prints lines `usage` = [from, to) of `file`, its header);
 * `options` adds its own: flag → (args, value) => void, each taking one value.
 */
export function benchArgs(argv, { file, usage, defaults, options }) {
  const a = {
    evalDir: process.env.DEFLECT_EVAL_DIR ?? path.join(REPO, '..', 'shared', 'eval'),
    bin: process.env.DEFLECT_BIN ?? path.join(REPO, 'target', 'release', 'deflect'),
    write: true,
    ...defaults,
  };
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--eval-dir') a.evalDir = path.resolve(argv[++i]);
    else if (flag === '--bin') a.bin = path.resolve(argv[++i]);
    else if (flag === '--no-write') a.write = false;
    else if (flag === '-h' || flag === '--help') {
      console.log(fs.readFileSync(file, 'utf8').split('\n').slice(...usage).join('\n'));
      process.exit(0);
    } else if (Object.hasOwn(options, flag)) options[flag](a, argv[++i]);
    else throw new Error(`unknown argument ${flag}`);
  }
  return a;
}

export function readJsonl(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Questions with at least one relevant doc, in file order: [{id, text, relevant: Set}]. */
export function loadJudged(queriesFile, qrelsFile) {
  const rel = new Map();
  for (const q of readJsonl(qrelsFile)) {
    if ((q.grade ?? 1) < 1) continue;
    const k = String(q.query_id);
    if (!rel.has(k)) rel.set(k, new Set());
    rel.get(k).add(String(q.doc_id));
  }
  return readJsonl(queriesFile)
    .filter((q) => rel.has(String(q.id)))
    .map((q) => ({ id: String(q.id), text: q.text, relevant: rel.get(String(q.id)) }));
}

/** 1-based rank of the first relevant id within the first k, or null. */
export function firstRank(ids, relevant, k = 10) {
  const i = ids.slice(0, k).findIndex((id) => relevant.has(id));
  return i < 0 ? null : i + 1;
}

/** nDCG@10 (binary), MRR@10 and recall@10 averaged over questions; also the ranks. */
export function scoreRun(questions, runs) {
  let ndcg = 0;
  let mrr = 0;
  let recall = 0;
  const ranks = [];
  questions.forEach((q, i) => {
    const ids = runs[i].slice(0, 10);
    let dcg = 0;
    let found = 0;
    ids.forEach((id, r) => {
      if (q.relevant.has(id)) {
        dcg += 1 / Math.log2(r + 2);
        found += 1;
      }
    });
    let ideal = 0;
    for (let r = 0; r < Math.min(q.relevant.size, 10); r++) ideal += 1 / Math.log2(r + 2);
    ndcg += dcg / ideal;
    recall += found / q.relevant.size;
    const rank = firstRank(ids, q.relevant);
    mrr += rank ? 1 / rank : 0;
    ranks.push(rank);
  });
  const n = questions.length;
  return { ndcg: ndcg / n, mrr: mrr / n, recall: recall / n, ranks };
}

/**
 * Typo retention: of the questions answered in the top 5 when typed cleanly (and that have
 * a typo'd variant), the share still answered in the top 5 with the typo.
 */
export function typoRetention(questions, typoTexts, cleanRanks, typoRanks) {
  const top5 = (r) => r !== null && r <= 5;
  const eligible = questions
    .map((q, i) => i)
    .filter((i) => top5(cleanRanks[i]) && typoTexts[i] !== questions[i].text);
  const kept = eligible.filter((i) => top5(typoRanks[i])).length;
  return { eligible: eligible.length, retention: kept / Math.max(1, eligible.length) };
}

/** Code-point prefixes, as Rust's chars(): prefix(text, n) keeps the first n characters. */
export function chars(text) {
  return Array.from(text);
}

/** Upper median, as `deflect eval --typing` takes it (sorted[len/2]). */
export function upperMedian(xs) {
  if (xs.length === 0) return 1;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Share of each question typed before its answer enters the top k and stays there for every
 * longer prefix (walking back from the full question); 1.0 when only the full question works
 * or never. `searchMany(texts)` returns, per text, the ranked ids (at least k of them).
 * Runs in rounds: round r asks every still-walking question for its prefix of length
 * total - r, so an engine sees one batch per round.
 */
export async function sharesTyped(questions, searchMany, k = 5) {
  const state = questions.map((q) => {
    const cs = chars(q.text);
    return { q, cs, total: cs.length, n: cs.length, earliest: cs.length, walking: cs.length > 0 };
  });
  for (;;) {
    const active = state.filter((s) => s.walking);
    if (active.length === 0) break;
    const hits = await searchMany(active.map((s) => s.cs.slice(0, s.n).join('')));
    active.forEach((s, i) => {
      if (hits[i].slice(0, k).some((id) => s.q.relevant.has(id))) {
        s.earliest = s.n;
        s.n -= 1;
        if (s.n < 1) s.walking = false;
      } else {
        s.walking = false;
      }
    });
  }
  return state.map((s) => s.earliest / Math.max(1, s.total));
}

/** Raw, gzip (level 9) and brotli (quality 11) sizes of a buffer. */
export function sizes(buf) {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
  return {
    raw: b.length,
    gzip: zlib.gzipSync(b, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(b, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
      },
    }).length,
  };
}

/** Sums sizes() over several buffers (each compressed on its own, as served). */
export function sizesOfFiles(buffers) {
  const t = { raw: 0, gzip: 0, brotli: 0 };
  for (const b of buffers) {
    const s = sizes(b);
    t.raw += s.raw;
    t.gzip += s.gzip;
    t.brotli += s.brotli;
  }
  return t;
}

/** The nearest-rank percentile `p` (0–1) of `xs`; NaN when empty. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN;
}

export function latencyStats(msList) {
  if (!msList || msList.length === 0) return null;
  const mean = msList.reduce((a, b) => a + b, 0) / msList.length;
  return { mean, p95: percentile(msList, 0.95) };
}

/** A fixed, evenly spaced subset: n items at positions floor(i * len / n). */
export function evenSubset(list, n) {
  if (!(n < list.length)) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]);
}

#!/usr/bin/env node
// Search-quality benchmark: Deflect against MiniSearch, lunr and Pagefind on FeedbackQA.
//
//   node bench/quality/run.mjs [--eval-dir DIR] [--bin PATH] [--typing-subset N|all]
//                              [--engines deflect,minisearch,lunr,pagefind] [--no-write]
//
// Environment: DEFLECT_EVAL_DIR (default ../shared/eval from the repo root), DEFLECT_BIN
// (default target/release/deflect), CHROMIUM (default /usr/bin/chromium).
// Prints a Markdown table and writes it to bench/quality/RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import crypto from 'node:crypto';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  benchArgs,
  readJsonl,
  loadJudged,
  scoreRun,
  typoRetention,
  sharesTyped,
  upperMedian,
  latencyStats,
  evenSubset,
  sizesOfFiles,
} from './lib.mjs';
import { createDeflect } from './engines/deflect.mjs';
import { createMiniSearch } from './engines/minisearch.mjs';
import { createLunr } from './engines/lunr.mjs';
import { createPagefindSession } from './engines/pagefind.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function parseArgs(argv) {
  return benchArgs(argv, {
    file: fileURLToPath(import.meta.url),
    usage: [1, 9],
    defaults: { typingSubset: 300, engines: ['deflect', 'minisearch', 'lunr', 'pagefind'] },
    options: {
      '--typing-subset': (a, v) => (a.typingSubset = v === 'all' ? Infinity : Number(v)),
      '--engines': (a, v) => (a.engines = v.split(',')),
    },
  });
}

const log = (...m) => console.error('[bench]', ...m);
const f3 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));
const kb = (n) => (n === null || n === undefined ? '—' : `${(n / 1024).toFixed(0)} KB`);
const ms = (x) => (x === null || x === undefined ? '—' : x < 1 ? `${x.toFixed(2)} ms` : `${x.toFixed(1)} ms`);

async function measure(engine, { docsFile, docs, questions, typoTexts, typingQuestions }) {
  const t0 = performance.now();
  const built = await engine.build(docsFile, docs);
  const texts = questions.map((q) => q.text);

  // The typo'd pass runs first and warms the engine (JIT, Pagefind's index chunks), so the
  // clean pass gives both the quality figures and the latency.
  // `cache` only matters to Pagefind's OR fallback (per-word results kept between queries;
  // the rankings are the same with or without it).
  const typo = await engine.searchMany(typoTexts, 10, { cache: true });
  const t = scoreRun(questions, typo.hits);
  const clean = await engine.searchMany(texts, 10, { cache: true });
  const c = scoreRun(questions, clean.hits);
  const ret = typoRetention(questions, typoTexts, c.ranks, t.ranks);
  let latency;
  if (engine.latencySubset) {
    // Too slow to time on every question: a fixed subset, searched without any cache.
    const sub = evenSubset(questions, engine.latencySubset).map((q) => q.text);
    const l = await engine.searchMany(sub, 10, { cache: false });
    latency = { ...latencyStats(l.ms), subset: sub.length };
  } else {
    latency = clean.ms ? latencyStats(clean.ms) : { mean: clean.wallMs / texts.length, p95: null, batch: true };
  }

  const tt = performance.now();
  let shares;
  let typingQueries = 0;
  let shareTypedAll = null;
  if (engine.prefixSearcher) {
    // Cheap for Deflect: every prefix of every question in one batch run, so the subset's
    // figure comes with the all-questions one (which `deflect eval --typing` also prints).
    const p = await engine.prefixSearcher(questions, 5);
    typingQueries = p.queries;
    shares = await sharesTyped(typingQuestions, async (ts) => p.searchMany(ts));
    shareTypedAll = upperMedian(await sharesTyped(questions, async (ts) => p.searchMany(ts)));
  } else if (engine.parallel) {
    // Worker threads on both cores; same index JSON, same search code, same rankings.
    const pool = engine.parallel();
    try {
      shares = await sharesTyped(typingQuestions, async (ts) => {
        typingQueries += ts.length;
        return pool.searchMany(ts, 5);
      });
    } finally {
      await pool.close();
    }
  } else {
    shares = await sharesTyped(typingQuestions, async (ts) => {
      typingQueries += ts.length;
      return (await engine.searchMany(ts, 5, { cache: true })).hits;
    });
  }
  const typingMs = performance.now() - tt;

  const row = {
    name: engine.name,
    runtime: engine.runtime,
    ndcg: c.ndcg,
    mrr: c.mrr,
    recall: c.recall,
    typoEligible: ret.eligible,
    typoRetention: ret.retention,
    typoNdcg: t.ndcg,
    shareTyped: upperMedian(shares),
    shareTypedAll,
    typingQueries,
    index: built.index,
    indexWhat: built.what,
    latency,
  };
  log(
    `${engine.name}: nDCG@10 ${f3(row.ndcg)} MRR ${f3(row.mrr)} retention ${f3(row.typoRetention)} ` +
      `typo nDCG ${f3(row.typoNdcg)} share typed ${f3(row.shareTyped)} ` +
      `(typing: ${typingQueries} queries in ${(typingMs / 1000).toFixed(1)} s; total ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return row;
}

async function measureSizeAndLatency(engine, { docsFile, docs, queries }) {
  const built = await engine.build(docsFile, docs);
  await engine.searchMany(queries, 10); // warm-up
  const lat = await engine.searchMany(queries, 10);
  const latency = lat.ms ? latencyStats(lat.ms) : { mean: lat.wallMs / queries.length, p95: null, batch: true };
  return { name: engine.name, index: built.index, latency };
}

function engineCodeSizes(pagefindInfo) {
  const read = (files) => {
    const present = files.filter((f) => fs.existsSync(f));
    return present.length === files.length ? sizesOfFiles(present.map((f) => fs.readFileSync(f))) : null;
  };
  const widget = path.join(repo, 'dist', 'site', 'widget');
  const wasm = fs.existsSync(widget) ? fs.readdirSync(widget).filter((f) => f.endsWith('.wasm')) : [];
  const js = fs.existsSync(widget) ? fs.readdirSync(widget).filter((f) => f.endsWith('.js')) : [];
  return {
    Deflect: wasm.length ? read([...wasm, ...js].map((f) => path.join(widget, f))) : null,
    MiniSearch: read([path.join(pkgDir('minisearch'), 'dist', 'es', 'index.js')]),
    lunr: read([path.join(pkgDir('lunr'), 'lunr.min.js')]),
    Pagefind: pagefindInfo?.codeSizes ?? null,
  };
}

/** Where a peer package is installed: bench/quality/node_modules, else the repo root's. */
function pkgDir(name) {
  const local = path.join(here, 'node_modules', name);
  return fs.existsSync(local) ? local : path.join(repo, 'node_modules', name);
}

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

async function main() {
  const args = parseArgs(process.argv);
  const started = performance.now();
  const loadAtStart = os.loadavg();
  if (!fs.existsSync(args.bin)) {
    throw new Error(`${args.bin} is missing: build it first (cargo build --release -p deflect) or pass --bin`);
  }
  const fqaDir = path.join(args.evalDir, 'feedbackqa');
  const gnomeDir = path.join(args.evalDir, 'gnome-help');
  const docsFile = path.join(fqaDir, 'docs.jsonl');
  const docs = readJsonl(docsFile);
  const questions = loadJudged(path.join(fqaDir, 'queries.valid.jsonl'), path.join(fqaDir, 'qrels.valid.jsonl'));
  const gnomeFile = path.join(gnomeDir, 'docs.jsonl');
  const gnomeDocs = fs.existsSync(gnomeFile) ? readJsonl(gnomeFile) : null;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deflect-quality-'));
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      fs.rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  }
  log(`${docs.length} passages, ${questions.length} judged questions; work dir ${work}`);
  // Run a private copy, so a rebuild of target/release during the run cannot mix binaries.
  const binInfo = {
    path: args.bin,
    mtime: fs.statSync(args.bin).mtime.toISOString().replace(/\.\d+Z$/, 'Z'),
    sha256: crypto.createHash('sha256').update(fs.readFileSync(args.bin)).digest('hex').slice(0, 16),
  };
  const bin = path.join(work, 'deflect');
  fs.copyFileSync(args.bin, bin);
  fs.chmodSync(bin, 0o755);
  binInfo.version = execSync(`${JSON.stringify(bin)} --version`).toString().trim();

  // The typo'd questions come from Deflect's own generator, so every engine gets the same ones.
  // Its ids are 1-based positions among the judged questions.
  const typoIndex = path.join(work, 'typo-index');
  execSync(`${JSON.stringify(bin)} build ${JSON.stringify(docsFile)} --out ${JSON.stringify(typoIndex)} -q`);
  const typoFile = path.join(work, 'typos.jsonl');
  execSync(
    `${JSON.stringify(bin)} eval --queries ${JSON.stringify(path.join(fqaDir, 'queries.valid.jsonl'))} ` +
      `--qrels ${JSON.stringify(path.join(fqaDir, 'qrels.valid.jsonl'))} --index ${JSON.stringify(typoIndex)} ` +
      `--typos --write-typos ${JSON.stringify(typoFile)} --no-misses`,
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const typoById = new Map(readJsonl(typoFile).map((l) => [Number(l.id), l.text]));
  const typoTexts = questions.map((q, i) => typoById.get(i + 1) ?? q.text);

  const typingQuestions = evenSubset(questions, args.typingSubset);
  const typingNote =
    typingQuestions.length === questions.length
      ? `all ${questions.length} questions`
      : `a fixed subset of ${typingQuestions.length} of the ${questions.length} questions (positions ⌊i·${questions.length}/${typingQuestions.length}⌋), the same for every engine`;
  const ctx = { docsFile, docs, questions, typoTexts, typingQuestions };
  const gnomeQueries = gnomeDocs ? gnomeDocs.map((d) => d.title) : null;

  const rows = [];
  const gnomeRows = [];
  const notes = [];
  let pagefindInfo = null;
  let pagefindFirst = null;
  const want = (e) => args.engines.includes(e);

  const plainEngines = [];
  if (want('deflect')) plainEngines.push((dir) => createDeflect({ bin, workDir: dir }));
  if (want('minisearch')) {
    plainEngines.push(() =>
      createMiniSearch({
        name: 'MiniSearch (prefix, fuzzy 0.2, title×2)',
        searchOptions: { prefix: true, fuzzy: 0.2, boost: { title: 2 } },
      }),
    );
    plainEngines.push(() => createMiniSearch({ name: 'MiniSearch (plain)', searchOptions: {} }));
  }
  if (want('lunr')) plainEngines.push(() => createLunr({ name: 'lunr (title×2, terms OR’ed)' }));

  for (const make of plainEngines) {
    const dir = fs.mkdtempSync(path.join(work, 'e-'));
    const e = make(dir);
    rows.push(await measure(e, ctx));
    if (gnomeDocs) {
      const g = make(fs.mkdtempSync(path.join(work, 'g-')));
      gnomeRows.push(await measureSizeAndLatency(g, { docsFile: gnomeFile, docs: gnomeDocs, queries: gnomeQueries }));
    }
  }

  if (want('pagefind')) {
    let session = null;
    try {
      session = await createPagefindSession({ workDir: work, label: 'fqa' });
      await session.build(docs);
      await session.start();
      pagefindInfo = session.info;
      pagefindFirst = await session.firstSearch(questions[0].text);
      for (const e of session.engines()) rows.push(await measure(e, ctx));
      await session.close();
      session = null;
      if (gnomeDocs) {
        session = await createPagefindSession({ workDir: work, label: 'gnome' });
        await session.build(gnomeDocs);
        await session.start();
        const [e] = session.engines();
        gnomeRows.push(await measureSizeAndLatency(e, { docsFile: gnomeFile, docs: gnomeDocs, queries: gnomeQueries }));
        await session.close();
        session = null;
      }
    } catch (err) {
      log(`Pagefind failed: ${err.stack ?? err}`);
      notes.push(`**Pagefind could not be measured in this run**: ${String(err.message ?? err).split('\n')[0]}`);
      rows.push({ name: 'Pagefind', failed: true });
      if (session) await session.close().catch(() => {});
    }
  }
  fs.rmSync(work, { recursive: true, force: true });

  // ---- Markdown ----
  const lines = [];
  lines.push(`### FeedbackQA: ${docs.length} passages, ${questions.length} questions (one relevant passage each)`);
  lines.push('');
  lines.push(
    '| Engine | nDCG@10 | MRR@10 | recall@10 | typo retention | typo nDCG@10 | median share typed ↓ | index raw | gzip | brotli | latency mean | p95 |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.failed) {
      lines.push(`| ${r.name} | not measured (see notes) | | | | | | | | | | |`);
      continue;
    }
    const mark = r.latency.subset ? '²' : '';
    const lat = r.latency.batch ? `${ms(r.latency.mean)}¹` : ms(r.latency.mean) + mark;
    const p95 = r.latency.batch ? 'n/a¹' : ms(r.latency.p95) + mark;
    lines.push(
      `| ${r.name} | ${f3(r.ndcg)} | ${f3(r.mrr)} | ${f3(r.recall)} | ${f3(r.typoRetention)} | ${f3(r.typoNdcg)} | ${f3(r.shareTyped)} | ${kb(r.index.raw)} | ${kb(r.index.gzip)} | ${kb(r.index.brotli)} | ${lat} | ${p95} |`,
    );
  }
  lines.push('');
  const deflect = rows.find((r) => r.name === 'Deflect');
  if (deflect) {
    const ratios = rows
      .filter((r) => r !== deflect && !r.failed)
      .map((r) => `${r.name} ${(deflect.ndcg / r.ndcg).toFixed(2)}× (${f3(deflect.ndcg)} vs ${f3(r.ndcg)})`);
    lines.push(`**Deflect vs peers on nDCG@10:** ${ratios.join('; ')}.`);
    lines.push('');
  }
  if (gnomeRows.length) {
    lines.push(`### GNOME Help: ${gnomeDocs.length} articles (no judgements: index size and latency only; queries = the ${gnomeQueries.length} article titles)`);
    lines.push('');
    lines.push('| Engine | index raw | gzip | brotli | latency mean | p95 |');
    lines.push('|---|---|---|---|---|---|');
    for (const r of gnomeRows) {
      const lat = r.latency.batch ? `${ms(r.latency.mean)}¹` : ms(r.latency.mean);
      const p95 = r.latency.batch ? 'n/a¹' : ms(r.latency.p95);
      lines.push(`| ${r.name} | ${kb(r.index.raw)} | ${kb(r.index.gzip)} | ${kb(r.index.brotli)} | ${lat} | ${p95} |`);
    }
    lines.push('');
  }
  const code = engineCodeSizes(pagefindInfo);
  const codeLine = Object.entries(code)
    .map(([k, s]) => `${k} ${s ? `${kb(s.raw)} raw / ${kb(s.gzip)} gzip / ${kb(s.brotli)} brotli` : 'not found'}`)
    .join('; ');
  lines.push('Notes:');
  lines.push('');
  lines.push(
    '- ¹ Deflect latency is native: the wall time of one `deflect search --queries` batch run (process start and pack load included) divided by the number of queries; no per-query p95. The peers are timed per query in their own runtime: MiniSearch and lunr in Node, Pagefind in headless Chromium (its `pagefind.search` call, worker round trip included). FeedbackQA latencies come from the pass over the clean questions, which runs after the pass over the typo’d ones has warmed each engine (JIT; Pagefind’s index chunks already fetched); GNOME rows time a second pass over the titles after a warm-up pass.',
  );
  for (const r of rows.filter((x) => x.latency?.subset)) {
    lines.push(
      `- ² ${r.name}: latency on a fixed, evenly spaced subset of ${r.latency.subset} questions, with no per-word cache (its quality passes reuse the per-word results of earlier questions to save time, which does not change any ranking). A question that the defaults cannot answer costs one search per word.`,
    );
  }
  lines.push(
    `- Median share typed is measured on ${typingNote}; walking back from the full question, the relevant passage must stay in the top 5 for every longer prefix.${
      deflect?.shareTypedAll != null ? ` Deflect on all ${questions.length} questions: ${f3(deflect.shareTypedAll)}.` : ''
    } An engine that ranks fewer than half of the passages in its top 5 even for the full questions gets 1.0: its median question never gets there. Deflect runs every prefix in one batch; the peers run the walk-back prefix by prefix (${rows
      .filter((r) => !r.failed)
      .map((r) => `${r.name}: ${r.typingQueries} prefix queries`)
      .join('; ')}).`,
  );
  lines.push(
    `- Typo'd questions: written by \`deflect eval --typos --write-typos\` (one edit in one word of ≥ 5 letters, never the first letter), the same file for every engine. Retention is over the questions each engine answered in its own clean top 5 (${rows
      .filter((r) => !r.failed)
      .map((r) => `${r.name} ${r.typoEligible}`)
      .join(', ')}).`,
  );
  lines.push(
    '- Index bytes are what the browser downloads to search, engine code excluded: Deflect the pack (article bodies are separate files fetched when opened); MiniSearch and lunr `JSON.stringify` of the serialized index; Pagefind its entry file, language meta and all index chunks, measured gunzipped (Pagefind serves them pre-gzipped; it loads only the chunks a query needs, and fragments — per-result display data, like Deflect\'s articles — are left out). gzip is level 9, brotli quality 11 (node zlib), each file compressed on its own.',
  );
  if (pagefindFirst) {
    lines.push(
      `- Pagefind's first question loaded ${kb(pagefindFirst.bytes)} as served (JS, worker, wasm, meta and ${pagefindFirst.chunks} of its ${pagefindInfo.chunks} index chunks); later questions load further chunks on demand.`,
    );
  }
  lines.push(`- Engine code, not in the table: ${codeLine} (Deflect: the widget's wasm + JS from dist/site/widget; MiniSearch: its unminified ES build; lunr: lunr.min.js; Pagefind: pagefind.js + worker + wasm).`);
  lines.push(
    `- Configurations: MiniSearch ${pkgVersion('minisearch')} fields title, body (row 1: \`{prefix: true, fuzzy: 0.2, boost: {title: 2}}\`; row 2: no options); lunr ${pkgVersion('lunr')} title boost 2 and body, \`idx.search\` after replacing \`:*~^+-\` with spaces (lunr's default OR of terms, English stemmer and stop words); Pagefind ${pkgVersion('pagefind')} via \`addCustomRecord\` with content "title\\nbody", language en, default search (all words must match; every word also matches as a prefix); the OR-fallback row searches each word separately when the defaults return nothing and merges by each passage's best single-word score (so a passage matching many of the words gains nothing over one matching the rarest word). Pagefind custom records have no title field to weight, unlike the other engines' title boost.`,
  );
  for (const n of notes) lines.push(`- ${n}`);
  const table = lines.join('\n');
  console.log(table);

  const totalS = ((performance.now() - started) / 1000).toFixed(0);
  log(`done in ${totalS} s`);
  if (args.write) {
    const cmd = ['node bench/quality/run.mjs', ...process.argv.slice(2)].join(' ');
    const header = [
      '# Search quality against peers',
      '',
      `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
      `- Machine: ${os.cpus().length} cores (\`nproc\` ${execSync('nproc').toString().trim()}), ${execSync('uname -m').toString().trim()}, node ${process.version}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
      `- Command: \`${cmd}\` (from the repo root; ${totalS} s)`,
      `- Deflect: \`${path.relative(repo, binInfo.path)}\` (${binInfo.version}; built ${binInfo.mtime}; sha256 ${binInfo.sha256}…)`,
      `- Load average (1, 5, 15 min) at the start ${loadAtStart.map((x) => x.toFixed(1)).join(', ')} and at the end ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} of the run: timings (and the run time) are inflated when other work shares the cores`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(here, 'RESULTS.md'), `${header}\n${table}\n`);
    log(`wrote ${path.relative(repo, path.join(here, 'RESULTS.md'))}`);
  }
}

main().catch((err) => {
  console.error(err.stack ?? err);
  process.exit(1);
});

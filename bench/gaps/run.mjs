// How often the "no good answer" signal (deflect-core's `Suggestions::good_answer`) flags
// real content gaps, and how often it wrongly flags questions the knowledge base answers.
//
//   node bench/gaps/run.mjs [--bin target/debug/deflect] [--eval-dir ../shared/eval]
//
// Answered questions: kb/golden.toml (demo knowledge base) and FeedbackQA's
// queries.valid.jsonl. Real gaps: the off-topic questions in this folder, written for each
// knowledge base and checked not to be covered by it. Each question is searched exactly as
// the widget records it (`deflect search --queries`, the top 8 a panel shows); a search is
// flagged when it has no results or its results miss the query's most specific word.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const BIN = path.resolve(arg('--bin', path.join(process.env.CARGO_TARGET_DIR || path.join(REPO, 'target'), 'debug/deflect')));
const EVAL = path.resolve(arg('--eval-dir', process.env.DEFLECT_SHARED ? path.join(process.env.DEFLECT_SHARED, 'eval') : path.join(REPO, '../shared/eval')));
const TOP = 8; // what the widget's panel shows

const readJsonl = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

function goldenQuestions(file) {
  // kb/golden.toml: [[question]] blocks with `text = "…"` and `articles = ["…"]`.
  const out = [];
  for (const block of readFileSync(file, 'utf8').split('[[question]]').slice(1)) {
    const text = block.match(/^text = (".*")$/m);
    const articles = block.match(/^articles = (\[.*\])$/m);
    if (text && articles) out.push({ id: `golden-${out.length}`, text: JSON.parse(text[1]), relevant: JSON.parse(articles[1]) });
  }
  return out;
}

function search(pack, questions, work) {
  const file = path.join(work, 'queries.jsonl');
  writeFileSync(file, questions.map((q) => JSON.stringify({ id: q.id, text: q.text })).join('\n') + '\n');
  const out = execFileSync(BIN, ['search', pack, '--queries', file, '--top', String(TOP)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const byId = new Map(questions.map((q) => [q.id, q]));
  const rows = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return rows.map((r) => ({ ...byId.get(r.query_id), hits: r.hits.map((h) => h.id), good: r.good_answer }));
}

function summary(label, rows) {
  const n = rows.length;
  const zero = rows.filter((r) => r.hits.length === 0).length;
  const weak = rows.filter((r) => r.hits.length > 0 && !r.good).length;
  const pct = (k) => `${((100 * k) / n).toFixed(1)} %`;
  return { label, n, zero, weak, flagged: zero + weak, line: `| ${label} | ${n} | ${pct(zero + weak)} (${zero + weak}) | ${pct(zero)} | ${pct(weak)} |` };
}

const work = mkdtempSync(path.join(tmpdir(), 'deflect-gaps-'));
try {
  const demoPack = path.join(work, 'demo');
  const fqaPack = path.join(work, 'feedbackqa');
  execFileSync(BIN, ['build', path.join(REPO, 'kb'), '--out', demoPack, '--quiet']);
  execFileSync(BIN, ['build', path.join(EVAL, 'feedbackqa/docs.jsonl'), '--out', fqaPack, '--quiet']);

  const golden = goldenQuestions(path.join(REPO, 'kb/golden.toml'));
  const qrels = new Map();
  for (const r of readJsonl(path.join(EVAL, 'feedbackqa/qrels.valid.jsonl'))) {
    if (r.grade > 0) qrels.set(r.query_id, [...(qrels.get(r.query_id) ?? []), r.doc_id]);
  }
  const fqa = readJsonl(path.join(EVAL, 'feedbackqa/queries.valid.jsonl')).map((q) => ({ ...q, relevant: qrels.get(q.id) ?? [] }));

  const sets = [
    ['demo KB: golden questions (answered)', demoPack, golden],
    ['demo KB: off-topic questions (gaps)', demoPack, readJsonl(path.join(HERE, 'offtopic-demo.jsonl'))],
    ['FeedbackQA: valid questions (answered)', fqaPack, fqa],
    ['FeedbackQA: off-topic questions (gaps)', fqaPack, readJsonl(path.join(HERE, 'offtopic-feedbackqa.jsonl'))],
  ];
  console.log(`top ${TOP} results per question (${BIN})\n`);
  console.log('| set | questions | flagged | of which zero results | of which results but no good answer |');
  console.log('|---|---|---|---|---|');
  const details = [];
  for (const [label, pack, questions] of sets) {
    const rows = search(pack, questions, work);
    console.log(summary(label, rows).line);
    if (questions[0]?.relevant) {
      // Answered questions whose answer is among the results: a flag there is plainly wrong.
      const found = rows.filter((r) => r.relevant.some((id) => r.hits.includes(id)));
      details.push(summary(`${label.split(':')[0]}: answer in the top ${TOP}`, found).line);
    }
    if (process.env.VERBOSE) for (const r of rows) console.error(`${r.good ? 'ok  ' : 'FLAG'} ${r.hits.length} ${r.text}`);
  }
  for (const d of details) console.log(d);
} finally {
  rmSync(work, { recursive: true, force: true });
}

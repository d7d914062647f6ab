// Turns the measurements of bench/perf/run.mjs into BENCHMARKS.md: per knowledge base one
// table with Deflect, each peer and Deflect's ratio to each peer, then the host-page cost and
// the issue's targets with the measured values.

const PEERS = ['Pagefind', 'MiniSearch'];
const kb = (b) => (b === undefined || b === null || Number.isNaN(b) ? '—' : `${(b / 1024).toFixed(b < 10240 ? 1 : 0)} KB`);
const ms = (x) => (x === undefined || Number.isNaN(x) ? '—' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(1)} ms`);
const mb = (b) => (b === undefined || b === null ? '—' : `${(b / 2 ** 20).toFixed(1)} MB`);
const num = (x) => (x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const ratio = (a, b) => (!a || !b || Number.isNaN(a) || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`);

function corpusTable(r, meta) {
  const e = r.engines;
  const n = r.corpus.docs.length;
  const rows = [
    ['Keystroke → suggestions painted, p50', (x) => x.keys.p50, ms],
    ['… p95', (x) => x.keys.p95, ms],
    ['… p99', (x) => x.keys.p99, ms],
    ['… slowest', (x) => x.keys.max, ms],
    ['Keystrokes slower than one frame (16.7 ms)', (x) => x.keys.over16, pct],
    ['Cold open → first suggestions painted (median)', (x) => x.cold.ms, ms],
    ['Bytes transferred until then (brotli as served)', (x) => x.cold.bytes, kb],
    ['… loader script', (x) => x.cold.parts.loader ?? 0, kb],
    ['… engine JS', (x) => x.cold.parts.js ?? 0, kb],
    ['… wasm', (x) => x.cold.parts.wasm ?? 0, kb],
    ['… CSS', (x) => x.cold.parts.css ?? 0, kb],
    ['… manifest / meta', (x) => x.cold.parts.manifest ?? 0, kb],
    ['… index', (x) => x.cold.parts.index ?? 0, kb],
    ['… result data (Pagefind fragments)', (x) => x.cold.parts.results ?? 0, kb],
    ['Requests until then', (x) => x.cold.requests, num],
    ['JS heap after opening (page, after GC)', (x) => x.cold.memory?.jsHeap, mb],
    ['Wasm linear memory after opening (page)', (x) => x.cold.memory?.wasm, mb],
    ['Index build, articles/s', (x) => n / (x.build.ms / 1000), num],
    ['Index per article, raw', (x) => x.build.index.raw / n, (b) => `${num(b)} B`],
    ['Index per article, gzip', (x) => x.build.index.gzip / n, (b) => `${num(b)} B`],
    ['Index per article, brotli', (x) => x.build.index.brotli / n, (b) => `${num(b)} B`],
    ['Whole index, brotli', (x) => x.build.index.brotli, kb],
  ];
  const head = `| Measure | Deflect | ${PEERS.join(' | ')} | ${PEERS.map((p) => `Deflect ÷ ${p}`).join(' | ')} |`;
  const sep = `|---|${'---|'.repeat(1 + PEERS.length * 2)}`;
  const body = rows.map(([label, get, f]) => {
    const d = get(e.Deflect);
    return `| ${label} | ${f(d)} | ${PEERS.map((p) => f(get(e[p]))).join(' | ')} | ${PEERS.map((p) => ratio(d, get(e[p]))).join(' | ')} |`;
  });
  return [
    `### ${r.corpus.label}: ${n.toLocaleString('en')} articles`,
    '',
    `Typed: ${e.Deflect.keys.keystrokes} keystrokes (${meta.questions} questions); cold open: ${meta.runs} fresh browser contexts, query “${r.corpus.cold}” (Deflect ${e.Deflect.cold.hits}, Pagefind ${e.Pagefind.cold.hits}, MiniSearch ${e.MiniSearch.cold.hits} suggestions shown).`,
    '',
    head,
    sep,
    ...body,
  ].join('\n');
}

function hostTable(results) {
  const lines = ['| Knowledge base | Page | Requests | Bytes (as served) | Long tasks | Long-task time |', '|---|---|---|---|---|---|'];
  for (const r of results) {
    for (const [name, h] of Object.entries(r.host)) {
      lines.push(`| ${r.corpus.label} | ${name} | ${h.requests} | ${kb(h.bytes)} | ${h.longTasks} | ${ms(h.longTaskMs)} |`);
    }
  }
  return lines.join('\n');
}

function targets(results) {
  const r = results.find((x) => x.corpus.key === 'fqa');
  if (!r) return 'The targets are defined on FeedbackQA, which this run left out.';
  const d = r.engines.Deflect;
  const small = results.find((x) => x.corpus.key === 'gnome');
  const n = r.corpus.docs.length;
  const rows = [
    ['Keystroke → suggestions p99 ≤ 16 ms', ms(d.keys.p99), d.keys.p99 <= 16],
    ['Cold open → first suggestion ≤ 300 ms', ms(d.cold.ms), d.cold.ms <= 300],
    ['Bytes before the first suggestion ≤ 600 KB brotli', kb(d.cold.bytes), d.cold.bytes <= 600 * 1024],
    ['Host page before interaction ≤ 3 KB and one request', `${kb(r.host.Deflect.bytes)}, ${r.host.Deflect.requests} request(s)`, r.host.Deflect.bytes <= 3 * 1024 && r.host.Deflect.requests <= 1],
    ['Index build ≥ 5,000 articles/s', num(n / (d.build.ms / 1000)), n / (d.build.ms / 1000) >= 5000],
  ];
  if (small) {
    const s = small.engines;
    rows.push([
      'Stretch: fewer bytes than Pagefind before the first suggestion (GNOME Help)',
      `${kb(s.Deflect.cold.bytes)} vs ${kb(s.Pagefind.cold.bytes)}`,
      s.Deflect.cold.bytes < s.Pagefind.cold.bytes,
    ]);
  }
  return ['| Target (FeedbackQA, cold, local server) | Measured | Met |', '|---|---|---|', ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`)].join('\n');
}

/** Cold open, bytes and keystrokes of every engine on every network the run used. */
function networkTable(results, meta) {
  const lines = [
    '| Knowledge base | Network | Engine | Cold open → first suggestion (median) | ÷ Pagefind | Bytes before it | Requests | Keystroke p50 | Keystroke p99 | p99 ÷ Pagefind |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    for (const network of meta.networks) {
      const e = r.networks[network];
      if (!e) continue;
      for (const engine of ['Deflect', ...PEERS]) {
        const x = e[engine];
        lines.push(
          `| ${r.corpus.label} | ${network} | ${engine} | ${ms(x.cold.ms)} | ${ratio(x.cold.ms, e.Pagefind.cold.ms)} | ${kb(x.cold.bytes)} | ${x.cold.requests} | ${ms(x.keys.p50)} | ${ms(x.keys.p99)} | ${ratio(x.keys.p99, e.Pagefind.keys.p99)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** Issue 14's targets (light first open), from the same run. */
function firstOpenTargets(results, meta) {
  const by = (key) => results.find((x) => x.corpus.key === key);
  const rows = [];
  const bytesRow = (key, label, limit) => {
    const r = by(key);
    if (!r) return;
    const d = r.engines.Deflect.cold;
    rows.push([`Bytes before the first suggestion, ${label} ≤ ${limit} KB brotli`, `${kb(d.bytes)} (wasm ${kb(d.parts.wasm ?? 0)}, index ${kb(d.parts.index ?? 0)})`, d.bytes <= limit * 1024]);
  };
  bytesRow('fqa', 'FeedbackQA', 600);
  bytesRow('gen20k', 'Generated 20k', 750);
  const any = results[0];
  if (any) {
    const w = any.engines.Deflect.cold.parts.wasm ?? 0;
    rows.push(['Widget wasm ≤ 520 KB brotli', kb(w), w <= 520 * 1024]);
  }
  if (meta.networks.includes('emulated')) {
    for (const r of results) {
      const e = r.networks.emulated;
      rows.push([
        `Cold open under the emulated network within 1.5× Pagefind's, ${r.corpus.label}`,
        `${ms(e.Deflect.cold.ms)} vs ${ms(e.Pagefind.cold.ms)} (${ratio(e.Deflect.cold.ms, e.Pagefind.cold.ms)})`,
        e.Deflect.cold.ms <= 1.5 * e.Pagefind.cold.ms,
      ]);
    }
  }
  const f = by('fqa');
  if (f) {
    for (const network of meta.networks) {
      const k = f.networks[network]?.Deflect.keys;
      if (k) rows.push([`Keystroke p99 ≤ 18 ms, FeedbackQA, ${network}${network === 'localhost' ? '' : ' (after the background fetch)'}`, ms(k.p99), k.p99 <= 18]);
    }
  }
  return ['| Target (issue 14) | Measured | Met |', '|---|---|---|', ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`)].join('\n');
}

/** The whole BENCHMARKS.md. */
export function report(results, meta) {
  const load = meta.load.map((l) => l.map((x) => x.toFixed(1)).join(', '));
  return `# Benchmarks

Performance as customers feel it and as a host page pays for it, measured in headless
Chromium with Deflect and two peers on the same knowledge bases, questions and server.

- Date: ${meta.date}
- Machine: ${meta.machine}
- Software: ${meta.versions}
- Command: \`${meta.command}\` (from the repo root; ${meta.seconds} s), after \`cargo build --release -p deflect\`, \`scripts/build-site\`, \`npm ci\` and \`npm ci --prefix bench\`
- Load average (1, 5, 15 min) at the start ${load[0]}, at the end ${load[1]}

## Targets

${firstOpenTargets(results, meta)}

Earlier targets, same run:

${targets(results)}

## Cold open and typing, localhost and an emulated network

Every engine on every network this run used. \`emulated\` is Chromium's own throttling
(DevTools protocol \`Network.emulateNetworkConditions\`: 40 ms round trip, 10 Mbit/s down,
5 Mbit/s up); under it, typing starts after the engine's background fetching is done.
Ratios are to Pagefind on the same network.

${networkTable(results, meta)}

## Per knowledge base

Ratios are Deflect ÷ peer: below 1× Deflect is smaller or faster, except for articles/s.

${results.map((r) => corpusTable(r, meta)).join('\n\n')}

## Host page cost before any interaction

The page loads, then stays idle for 2 s. Deflect: its one script tag (the app and the
index wait for the launcher, focus or a shortcut). Pagefind UI: its documented drop-in
(\`pagefind-ui.css\`, \`pagefind-ui.js\`, \`new PagefindUI(...)\`). MiniSearch is a library
with no embed of its own, so it has no row. The host page's own HTML is not counted.

${hostTable(results)}

## How it is measured

- **One server for all** (\`bench/perf/server.mjs\`): every response brotli-compressed
  (quality 11) when the browser accepts it; Pagefind's data files are stored gzip'd by
  Pagefind and sent as they are. Bytes are counted on the server, so requests made by
  Pagefind's worker count too.
- **Keystroke → suggestions painted**: the host page's probe (\`bench/perf/pages.mjs\`)
  notes each \`input\` event's time stamp; when the engine marks "suggestions rendered"
  (\`performance.mark\`; Deflect's widget marks \`deflect:suggestions\` after each render
  of results from its index), the probe waits for the next frame (requestAnimationFrame, then
  a message task) and records input → painted. Questions are typed one character at a
  time, each keystroke after the previous one painted, into the real widget and into a
  minimal page per peer (a box and five results with title and excerpt, searched on every
  keystroke without debouncing). Questions: evenly spaced FeedbackQA questions (also for the
  generated set) and GNOME Help article titles.
- **Cold open**: a fresh browser context (empty cache), the host page loaded, then
  \`Deflect('open'); Deflect('search', q)\` — or the peer page's launcher click and typed
  query — to the first suggestions painted. Bytes and requests: every response to a request
  that reached the server before the first suggestions were painted (request time on the
  server against \`performance.timeOrigin\` + the paint), after the host page's HTML, loader
  included; what Deflect's background warm-up fetches afterwards is not counted.
- **Memory**: after the first cold open, after a forced garbage collection (CDP):
  \`Runtime.getHeapUsage\` for the page's JS heap and the sum of all \`WebAssembly.Memory\`
  buffers found on the page's heap. Pagefind runs its wasm in a worker, which neither figure
  includes.
- **Build**: Deflect the release CLI \`deflect build docs.jsonl\` (median of 3, process start
  and the atomic publish included); Pagefind its Node API (\`createIndex\`,
  \`addCustomRecord\`, \`writeFiles\`); MiniSearch \`addAll\` and \`JSON.stringify\` in Node.
  Index sizes: Deflect the pack's hot part and all its pieces; Pagefind entry, meta and all index chunks, inflated;
  MiniSearch its JSON. Each compressed on its own (gzip 9, brotli 11).
- **Generated 20k** (\`bench/perf/corpus.mjs\`): 20,000 articles of 3–12 sentences drawn
  with a fixed seed from FeedbackQA and GNOME Help, titled after a real article.
`;
}

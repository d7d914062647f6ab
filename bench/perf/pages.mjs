// Host pages of the performance benchmark. Every page carries the same probe: it notes the
// time of each `input` event (the capture listener on window sees the widget's shadow-DOM
// input too, input events are composed) and, when the engine's page code marks
// "suggestions rendered" with performance.mark, waits for the next frame to be painted
// (requestAnimationFrame, then a message task) and records input → painted.
//
// Deflect is its real embed: the loader script tag. The peers get the thinnest sensible
// integration a product team would write: a button, a search box and a list of five results
// (title and excerpt), the engine loaded on first open, every keystroke searched at once.

const PROBE = (markName) => `<script>
(() => {
  const bench = (window.__bench = { painted: [], lastInput: null, longTasks: [] });
  addEventListener('input', (e) => { bench.lastInput = e.timeStamp; }, true);
  const mark = performance.mark.bind(performance);
  // Wrapped rather than observed: PerformanceObserver callbacks arrive late, at low priority.
  performance.mark = function (name, options) {
    const entry = mark(name, options);
    if (name === ${JSON.stringify(markName)}) {
      const input = bench.lastInput;
      bench.lastInput = null;
      const marked = performance.now();
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => bench.painted.push({ input, marked, painted: performance.now() });
        ch.port2.postMessage(0);
      });
    }
    return entry;
  };
  try {
    new PerformanceObserver((l) => bench.longTasks.push(...l.getEntries().map((e) => ({ start: e.startTime, duration: e.duration }))))
      .observe({ type: 'longtask', buffered: true });
  } catch {}
})();
</script>`;

const HEAD = (title, markName) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
${PROBE(markName)}
<style>body{font:16px system-ui,sans-serif;margin:2rem;max-width:50rem}
#panel[hidden]{display:none}#panel{position:fixed;right:1rem;bottom:4rem;width:24rem;background:#fff;border:1px solid #ccc;padding:1rem}
#panel input{width:100%;font:inherit}#panel li{margin:.5rem 0}#panel small{display:block;color:#555}</style></head>`;

// A product page's own content, the same on every host page.
const PRODUCT = `<h1>Acme Billing</h1><p>Invoices, payments and your subscription in one place.</p>
<table><tr><th>Invoice</th><th>Amount</th></tr><tr><td>#1042</td><td>€120.00</td></tr></table>`;

/** The real Deflect embed: one async script tag. */
export function deflectPage({ manifest }) {
  return `${HEAD('Deflect host', 'deflect:suggestions')}<body>${PRODUCT}
<script async src="/widget/deflect.js" data-index="${manifest}" data-index-timeout="170"></script>
<script>
window.__coldOpen = (q) => { window.__bench.coldStart = performance.now(); Deflect('open'); Deflect('search', q); };
</script></body></html>`;
}

// The peers' shared page code: a launcher, a box and a list; `engine()` loads lazily and
// `search(q)` resolves to [{title, excerpt}].
const PEER_UI = (engineJs) => `<body>${PRODUCT}
<button id="launcher" type="button">Help</button>
<div id="panel" hidden><input id="q" type="search" aria-label="Search help" autocomplete="off"><ol id="results"></ol></div>
<script>
${engineJs}
const box = document.getElementById('q');
const list = document.getElementById('results');
let loaded = null;
const ready = () => (loaded ??= engine());
function render(hits) {
  list.replaceChildren(...hits.map((h) => {
    const li = document.createElement('li');
    const t = document.createElement('strong');
    t.textContent = h.title;
    const s = document.createElement('small');
    s.innerHTML = h.excerpt;
    li.append(t, s);
    return li;
  }));
  performance.mark('bench:suggestions');
}
box.addEventListener('input', async () => {
  const q = box.value;
  await ready();
  const hits = q.trim() === '' ? [] : await search(q);
  if (box.value === q) render(hits);
});
function open() {
  document.getElementById('panel').hidden = false;
  box.focus();
  return ready();
}
document.getElementById('launcher').addEventListener('click', open);
window.__ready = () => ready().then(() => true);
window.__coldOpen = (q) => {
  window.__bench.coldStart = performance.now();
  open();
  box.value = q;
  box.dispatchEvent(new Event('input', { bubbles: true }));
};
</script></body></html>`;

/** Pagefind's own browser runtime (JS + worker + wasm, index chunks on demand). */
export function pagefindPage({ bundle }) {
  return `${HEAD('Pagefind host', 'bench:suggestions')}${PEER_UI(`
let pf;
async function engine() {
  pf = await import('${bundle}/pagefind.js');
  await pf.init();
}
async function search(q) {
  const r = await pf.search(q);
  if (!r) return [];
  const data = await Promise.all(r.results.slice(0, 5).map((x) => x.data()));
  return data.map((d) => ({ title: d.meta.title, excerpt: d.excerpt }));
}`)}`;
}

/** MiniSearch (UMD build) and its serialized index, fetched on first open. */
export function minisearchPage({ lib, index }) {
  return `${HEAD('MiniSearch host', 'bench:suggestions')}${PEER_UI(`
let ms;
function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = reject;
    document.head.append(s);
  });
}
async function engine() {
  const [json] = await Promise.all([fetch('${index}').then((r) => r.text()), script('${lib}')]);
  ms = MiniSearch.loadJSON(json, {
    fields: ['title', 'body'],
    storeFields: ['title', 'excerpt'],
    searchOptions: { prefix: true, fuzzy: 0.2, boost: { title: 2 } },
  });
}
async function search(q) {
  return ms.search(q).slice(0, 5).map((r) => ({ title: r.title, excerpt: r.excerpt }));
}`)}`;
}

/** Pagefind's documented drop-in UI, for what a page pays before anyone interacts. */
export function pagefindUiPage({ bundle }) {
  return `${HEAD('Pagefind UI host', 'bench:suggestions')}<body>${PRODUCT}
<link href="${bundle}/pagefind-ui.css" rel="stylesheet">
<script src="${bundle}/pagefind-ui.js"></script>
<div id="search"></div>
<script>window.addEventListener('DOMContentLoaded', () => { new PagefindUI({ element: '#search', showSubResults: false }); });</script>
</body></html>`;
}

// How MiniSearch and lunr are loaded from their serialized index and queried: one place, used
// by the main thread (quality passes, latency) and by the typing-saved worker threads.
import MiniSearch from 'minisearch';
import lunr from 'lunr';
import { Worker } from 'node:worker_threads';
import os from 'node:os';

const LUNR_SYNTAX = /[:*~^+\-]/g;

/** `{kind, json, searchOptions}` → a function text → ranked ids. */
export function loadSearcher({ kind, json, searchOptions }) {
  if (kind === 'minisearch') {
    const ms = MiniSearch.loadJSON(json, { fields: ['title', 'body'], idField: 'id', searchOptions });
    return (text) => ms.search(text).map((r) => String(r.id));
  }
  if (kind === 'lunr') {
    const idx = lunr.Index.load(JSON.parse(json));
    return (text) => {
      const q = text.replace(LUNR_SYNTAX, ' ').trim();
      if (q === '') return [];
      try {
        return idx.search(q).map((r) => r.ref);
      } catch {
        return [];
      }
    };
  }
  throw new Error(`unknown searcher ${kind}`);
}

/**
 * A pool of worker threads (one per core, at most 2 by default) that split each batch of
 * texts between them; `searchMany(texts, k)` resolves to the ranked ids per text, in order.
 */
export function workerPool(data, size = Math.min(2, os.availableParallelism?.() ?? os.cpus().length)) {
  const workers = Array.from(
    { length: Math.max(1, size) },
    () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: data }),
  );
  let next = 0;
  const ask = (w, texts, k) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const onMsg = (m) => {
        if (m.id !== id) return;
        w.off('message', onMsg);
        w.off('error', reject);
        resolve(m.hits);
      };
      w.on('message', onMsg);
      w.once('error', reject);
      w.postMessage({ id, texts, k });
    });
  return {
    async searchMany(texts, k) {
      const per = Math.ceil(texts.length / workers.length);
      const parts = await Promise.all(
        workers.map((w, i) => ask(w, texts.slice(i * per, (i + 1) * per), k)),
      );
      return parts.flat();
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Runs `search` over `texts` in this thread, timing each call: the top `k` ids and ms. */
export function timedSearches(search, texts, k) {
  const hits = [];
  const ms = [];
  for (const t of texts) {
    const t0 = performance.now();
    hits.push(search(t).slice(0, k));
    ms.push(performance.now() - t0);
  }
  return { hits, ms };
}

// lunr in Node: title (boost 2) and body; queries via idx.search after stripping lunr's query
// syntax characters, so every remaining term is OR'ed as in lunr's default search.
import lunr from 'lunr';
import { sizes } from '../lib.mjs';
import { loadSearcher, timedSearches, workerPool } from './searchers.mjs';

export function createLunr({ name = 'lunr' } = {}) {
  let data = null;
  let search = null;
  return {
    name,
    runtime: 'Node (in-process)',
    async build(_docsFile, docs) {
      const built = lunr(function () {
        this.ref('id');
        this.field('title', { boost: 2 });
        this.field('body');
        for (const d of docs) this.add({ id: d.id, title: d.title, body: d.body });
      });
      const json = JSON.stringify(built);
      // Search what a browser would have after lunr.Index.load of the downloaded index.
      data = { kind: 'lunr', json };
      search = loadSearcher(data);
      return { index: sizes(json), what: 'JSON.stringify(index)' };
    },
    async searchMany(texts, k = 10) {
      return timedSearches(search, texts, k);
    },
    parallel: () => workerPool(data),
    async close() {},
  };
}

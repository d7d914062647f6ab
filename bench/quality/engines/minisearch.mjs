// MiniSearch in Node, fields title and body; the serialized index is what a page downloads.
import MiniSearch from 'minisearch';
import { sizes } from '../lib.mjs';
import { loadSearcher, timedSearches, workerPool } from './searchers.mjs';

export function createMiniSearch({ name, searchOptions }) {
  let data = null;
  let search = null;
  return {
    name,
    runtime: 'Node (in-process)',
    async build(_docsFile, docs) {
      const ms = new MiniSearch({ fields: ['title', 'body'], idField: 'id', searchOptions });
      ms.addAll(docs.map((d) => ({ id: d.id, title: d.title, body: d.body })));
      const json = JSON.stringify(ms);
      // Search what a browser would have after MiniSearch.loadJSON of the downloaded index.
      data = { kind: 'minisearch', json, searchOptions };
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

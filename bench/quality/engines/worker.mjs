// A worker thread holding a copy of a MiniSearch or lunr index, so the typing-saved walk-back
// (thousands of prefix searches) can use both cores. Rankings are the same as in the main
// thread: the index is loaded from the same serialized JSON and searched with the same code.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSearcher } from './searchers.mjs';

const search = loadSearcher(workerData);
parentPort.on('message', ({ id, texts, k }) => {
  parentPort.postMessage({ id, hits: texts.map((t) => search(t).slice(0, k)) });
});

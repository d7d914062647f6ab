// The generated knowledge base: `n` articles assembled, with a seeded PRNG, from the
// sentences and titles of the real corpora, so word statistics stay those of help text
// while the size grows past what any single real set offers. Same seed, same corpus.

/** Mulberry32: small, fast and good enough to shuffle text. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` articles of 3–12 sentences each, titled after a real article plus a variant number. */
export function generateCorpus(docs, n, seed) {
  const random = prng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const sentences = docs.flatMap((d) => d.body.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter((s) => s.length > 20));
  const titles = docs.map((d) => d.title);
  return Array.from({ length: n }, (_, i) => {
    const count = 3 + Math.floor(random() * 10);
    return {
      id: `gen-${String(i).padStart(5, '0')}`,
      title: `${pick(titles)} (${1 + Math.floor(random() * 9)})`,
      body: Array.from({ length: count }, () => pick(sentences)).join(' '),
    };
  });
}

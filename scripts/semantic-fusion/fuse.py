# Fuse deflect's ranking (top-100 scores from `deflect search --queries`) with MiniLM-L3
# cosine similarity; nDCG@10 (binary, as deflect eval) on valid and on odd/even halves
# with the weight tuned on the other half.
import json, re, sys, math, numpy as np
S = '/work/shared/eval/feedbackqa/'
docs = [json.loads(l) for l in open(S + 'docs.jsonl')]
did = {d['id']: i for i, d in enumerate(docs)}
qs = [json.loads(l) for l in open(S + 'queries.valid.jsonl')]
rel = {}
for l in open(S + 'qrels.valid.jsonl'):
    r = json.loads(l)
    if r.get('grade', 1) >= 1: rel.setdefault(r['query_id'], set()).add(r['doc_id'])
def load_run(p):
    return [{h['id']: h['score'] for h in json.loads(l)['hits']} for l in open(p)]
words = json.load(open('/tmp/sem/words.json')); widx = {w: i for i, w in enumerate(words)}
WV = np.load('/tmp/sem/words.npy')
W = re.compile(r"[a-z0-9]+")
df = np.zeros(len(words))
for d in docs:
    for w in set(W.findall((d['title'] + ' ' + d['body']).lower())): df[widx[w]] += 1
idf = np.log((len(docs) + 1) / (df + 1)) + 1
STOP = set('a an the of to in on for and or is are was be i my me do does can how what when where who why which it this that with at by from if as you your we our they their there have has had not no will would should could about any'.split())
def static_q(text, weighting):
    ws = [w for w in W.findall(text.lower()) if w in widx and w not in STOP]
    if not ws: return np.zeros(WV.shape[1])
    wt = np.array([idf[widx[w]] if weighting else 1.0 for w in ws])
    v = (WV[[widx[w] for w in ws]] * wt[:, None]).sum(0)
    return v / (np.linalg.norm(v) + 1e-9)
def ndcg(ranked, q):
    R = rel.get(q['id'], set())
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in R)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(R), 10)))
    return dcg / ideal if ideal else 0.0
def scores(run, QV, DV, w, extra=20):
    out = []
    for qi, q in enumerate(qs):
        hits = run[qi]; mx = max(hits.values()) if hits else 1.0
        sims = DV @ QV[qi]
        cand = set(hits) | {docs[j]['id'] for j in np.argsort(-sims)[:extra]}
        fused = sorted(cand, key=lambda d: -(hits.get(d, 0.0) / mx + w * sims[did[d]]))
        out.append(ndcg(fused, q))
    return np.array(out)
GRID = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5]
odd = np.array([i % 2 == 0 for i in range(len(qs))])
def report(name, run, QV, DV):
    table = {w: scores(run, QV, DV, w) for w in GRID}
    best = max(GRID, key=lambda w: table[w].mean())
    wo = max(GRID, key=lambda w: table[w][~odd].mean()); we = max(GRID, key=lambda w: table[w][odd].mean())
    print(f"{name}: plain {table[0].mean():.3f}  best valid {table[best].mean():.3f} (w={best})  "
          f"odd {table[wo][odd].mean():.3f} (w={wo}, plain {table[0][odd].mean():.3f})  "
          f"even {table[we][~odd].mean():.3f} (w={we}, plain {table[0][~odd].mean():.3f})  "
          + " ".join(f"{w}:{table[w].mean():.3f}" for w in GRID), flush=True)
if __name__ == '__main__':
    DF = np.load('/tmp/sem/doc_full.npy'); QF = np.load('/tmp/sem/q_full.npy')
    QS = np.stack([static_q(q['text'], True) for q in qs])
    QS0 = np.stack([static_q(q['text'], False) for q in qs])
    for runname in sys.argv[1:]:
        run = load_run(runname)
        report(f"{runname} full-model query", run, QF, DF)
        report(f"{runname} static idf query", run, QS, DF)
        report(f"{runname} static mean query", run, QS0, DF)

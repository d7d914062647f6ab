# Learned + semantic: each passage's vector is its own plus alpha x the mean of the train
# questions that resolved to it (train split only); static idf query over KB words.
import sys, json, numpy as np
import fuse as F
F.GRID = [0, 0.4, 0.6, 0.8, 1.0, 1.5]
kb = set()
for d in F.docs: kb.update(F.W.findall((d['title'] + ' ' + d['body']).lower()))
keep = np.array([w in kb for w in F.words]); F.WV = np.where(keep[:, None], F.WV, 0.0)
DF = np.load('/tmp/sem/doc_full.npy'); QT = np.load('/tmp/sem/q_train.npy')
tid = {q: i for i, q in enumerate(json.load(open('/tmp/sem/q_train_ids.json')))}
acc = np.zeros_like(DF); cnt = np.zeros(len(DF))
for l in open(F.S + 'qrels.train.jsonl'):
    r = json.loads(l)
    if r.get('grade', 1) >= 1 and r['doc_id'] in F.did:
        acc[F.did[r['doc_id']]] += QT[tid[r['query_id']]]; cnt[F.did[r['doc_id']]] += 1
M = acc / np.maximum(cnt, 1)[:, None]
QS = np.stack([F.static_q(q['text'], True) for q in F.qs]); QF = np.load('/tmp/sem/q_full.npy')
n = lambda x: x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
for alpha in (0.5, 1.0):
    DV = n(DF + alpha * M)
    for run in ('/tmp/r3/plain.run', '/tmp/r3/learned.run'):
        F.report(f"alpha {alpha} static {run}", F.load_run(run), QS, DV)
    F.report(f"alpha {alpha} full-model-query(not shippable) /tmp/r3/learned.run", F.load_run('/tmp/r3/learned.run'), QF, DV)

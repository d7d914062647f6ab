# fuse3's learned passage vectors with a wider weight grid, alpha 1 and 2, and the same at
# d64 int8 (PCA over KB words + passages, as fuse2.py) for the size the browser would load.
import sys, json, subprocess, numpy as np
import fuse as F
F.GRID = [0, 1.0, 1.5, 2.0, 3.0]
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
n = lambda x: x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
run = F.load_run('/tmp/r3/plain.run')
QS = np.stack([F.static_q(q['text'], True) for q in F.qs])
for alpha in (1.0, 2.0):
    F.report(f"alpha {alpha} static d384 plain.run", run, QS, n(DF + alpha * M))
def q8(x):
    s = np.abs(x).max(1, keepdims=True) / 127 + 1e-12
    return np.round(x / s).astype(np.int8), s
DV = n(DF + 1.0 * M); KBW = F.WV[keep]
mu = np.concatenate([KBW, DV]).mean(0)
_, _, vt = np.linalg.svd(np.concatenate([KBW, DV]) - mu, full_matrices=False)
P = vt[:64].T
def red(x):
    y = (x - mu) @ P; y8, s = q8(y); return y8.astype(np.float32) * s, (y8, s.astype(np.float16))
wr, wq = red(F.WV); dr, dq = red(DV); wr[~keep] = 0
blob = b''.join(a.tobytes() for a in (wq[0][keep], wq[1][keep], dq[0], dq[1]))
open('/tmp/sem/blob4', 'wb').write(blob)
size = len(subprocess.run(['brotli', '-c', '-q', '11', '/tmp/sem/blob4'], capture_output=True).stdout)
print(f"d64 int8 vectors: {len(blob)} B raw, {size} B brotli", flush=True)
F.WV = wr
QS = np.stack([F.static_q(q['text'], True) for q in F.qs])
F.report("alpha 1.0 static d64 int8 plain.run", run, QS, n(dr))

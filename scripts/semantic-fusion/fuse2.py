# Honest static variant: word vectors only for KB words (what a pack could ship), optional
# PCA to 64 dims + int8; reports nDCG and the brotli bytes of word+doc vectors.
import sys, json, subprocess, numpy as np
sys.argv = [sys.argv[0]] + sys.argv[1:]
import fuse as F
F.GRID = [0, 0.4, 0.6, 0.8, 1.0, 1.5]
kb = set()
for d in F.docs: kb.update(F.W.findall((d['title'] + ' ' + d['body']).lower()))
keep = np.array([w in kb for w in F.words])
F.WV = np.where(keep[:, None], F.WV, 0.0)  # query words outside the KB have no vector
DF = np.load('/tmp/sem/doc_full.npy')
def q8(x):
    s = np.abs(x).max(1, keepdims=True) / 127 + 1e-12
    return np.round(x / s).astype(np.int8), s
def brotli_bytes(arrs):
    blob = b''.join(a.tobytes() for a in arrs)
    open('/tmp/sem/blob', 'wb').write(blob)
    return len(subprocess.run(['brotli', '-c', '-q', '11', '/tmp/sem/blob'], capture_output=True).stdout)
variants = {}
KBW = F.WV[keep]
variants['d384 f16'] = (F.WV, DF, brotli_bytes([KBW.astype(np.float16), DF.astype(np.float16)]))
mu = np.concatenate([KBW, DF]).mean(0)
_, _, vt = np.linalg.svd(np.concatenate([KBW, DF]) - mu, full_matrices=False)
for dim in (64, 128):
    P = vt[:dim].T
    def red(x):
        y = (x - mu) @ P; y8, s = q8(y); return y8.astype(np.float32) * s, (y8, s.astype(np.float16))
    wr, wq = red(F.WV); dr, dq = red(DF)
    wr[~keep] = 0
    n = lambda x: x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
    kq = (wq[0][keep], wq[1][keep])
    variants[f'd{dim} int8'] = (wr, n(dr), brotli_bytes([kq[0], kq[1], dq[0], dq[1]]))
words_bytes = len(subprocess.run(['brotli', '-c', '-q', '11'], input='\n'.join(w for w in F.words if w in kb).encode(), capture_output=True).stdout)
print(f"KB words {keep.sum()}, word list brotli {words_bytes} B", flush=True)
for name, (wv, dv, b) in variants.items():
    F.WV = wv
    QS = np.stack([F.static_q(q['text'], True) for q in F.qs])
    print(f"[{name}] vectors brotli {b} B", flush=True)
    for run in ('/tmp/r3/plain.run', '/tmp/r3/learned.run'):
        F.report(f"{name} {run}", F.load_run(run), QS, dv)

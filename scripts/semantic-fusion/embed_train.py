import json, numpy as np, sys
sys.argv = ['x']
exec(open('/tmp/sem/embed.py').read().split("docs = [")[0])
qs = [json.loads(l) for l in open(S + 'queries.train.jsonl')]
np.save('/tmp/sem/q_train.npy', np.stack([embed(q['text']) for q in qs]))
json.dump([q['id'] for q in qs], open('/tmp/sem/q_train_ids.json', 'w'))

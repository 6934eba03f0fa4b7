#!/usr/bin/env python3
# Compares results/*.json (amp.exs, real) with amp.ts (zensim) case by case:
# node a's rise over `before` per category at arrived / peak / settled / settled_gc, a subscriber's
# process_info(:memory), all subscribers' memory, and the bytes b->a on the wire.
# Usage: python3 cmp.py > results/compare.txt   (runs amp.ts once per case; zensim is deterministic)
import glob, json, os, subprocess, statistics, collections
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, '../../..'))
cases = collections.defaultdict(list)
for f in sorted(glob.glob(os.path.join(here, 'results', '*_r*.json'))):
    d = json.load(open(f))
    cases[(d['mode'], d['n'], d['reason'], d['keep'])].append(d)
CATS = ['processes', 'binary', 'ets', 'system', 'total']
def real_metrics(d):
    b = d['before']; m = {}
    for snap in ['arrived', 'settled', 'settled_gc']:
        for c in CATS: m[f'{snap}.{c}'] = d[snap]['mem_a'][c] - b['mem_a'][c]
    for c in CATS: m[f'peak.{c}'] = d['peak_sample'][c] - b['mem_a'][c]
    m['sub.before'] = b['sub_mid']['memory']
    m['sub.arrived'] = d['arrived']['sub_mid']['memory']
    m['sub.settled_gc'] = d['settled_gc']['sub_mid']['memory']
    m['subs_total.settled'] = d['settled']['subs_total_memory'] - b['subs_total_memory']
    m['wire.bytes'] = d['settled']['wire']['recv_oct'] - b['wire']['recv_oct']
    return m
def sim_metrics(d):
    b = d['before']; m = {}
    for snap in ['arrived', 'settled', 'settled_gc']:
        for c in CATS: m[f'{snap}.{c}'] = d[snap]['mem_a'][c] - b['mem_a'][c]
    for c in CATS: m[f'peak.{c}'] = d['peak'][c] - b['mem_a'][c]
    m['sub.before'] = b['sub_mid']
    m['sub.arrived'] = d['arrived']['sub_mid']
    m['sub.settled_gc'] = d['settled_gc']['sub_mid']
    m['subs_total.settled'] = d['settled']['subs_total_memory'] - b['subs_total_memory']
    m['wire.bytes'] = d['settled']['wire']['bytes'] - b['wire']['bytes']
    return m
out = {}
for key in sorted(cases):
    mode, n, reason, keep = key
    sim = json.loads(subprocess.run(['npx', 'tsx', 'docs/real-library/amp/amp.ts', mode, str(n), reason, keep],
                                    cwd=root, capture_output=True, text=True, check=True).stdout)
    sm = sim_metrics(sim); rms = [real_metrics(d) for d in cases[key]]
    name = f'{mode} n={n} {reason} {keep}'
    print(f'## {name}  (real runs: {len(rms)}; held DOWN flat {(cases[key][0]["held_down"] or {}).get("flat_words")} words, ext {(cases[key][0]["held_down"] or {}).get("external_bytes")} B)')
    print(f'{"metric":22} {"real per sub (runs)":>34} {"zensim per sub":>14} {"ratio":>6}')
    rows = {}
    for k in sm:
        rv = [r[k] for r in rms]
        per = (lambda v: v) if k.startswith('sub.') else (lambda v: v / n)
        med = statistics.median(rv)
        ratio = (sm[k] / med) if med not in (0,) else float('nan')
        print(f'{k:22} {per(med):12.1f} ({", ".join(f"{per(v):.1f}" for v in rv)}) {per(sm[k]):14.1f} {ratio:6.3f}')
        rows[k] = {'real': rv, 'zensim': sm[k]}
    out[name] = rows
    print()
json.dump(out, open(os.path.join(here, 'results', 'compare.json'), 'w'), indent=1)

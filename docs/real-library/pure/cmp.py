import json, sys
real = json.load(open(sys.argv[1])); z = json.load(open(sys.argv[2]))
def flat(d, p=''):
    out = {}
    if isinstance(d, dict):
        for k, v in d.items(): out.update(flat(v, p + '.' + k if p else k))
    else: out[p] = d
    return out
fr = flat(real['snapshots']); fz = flat(z['snapshots'])
only = sys.argv[3] if len(sys.argv) > 3 else ''
for k in sorted(fr):
    if 'memory.' in k and not k.endswith('.memory'): continue
    if only and only not in k: continue
    if k in fz:
        rv, zv = fr[k], fz[k]
        mark = '' if rv == zv else ('  <-- %+.1f%%' % ((zv - rv) / rv * 100) if isinstance(rv, (int, float)) and isinstance(zv, (int, float)) and rv else '  <--')
        print(f'{k:70s} {str(rv):>10s} {str(zv):>10s}{mark}')
print('kill real', real['kill'], 'z', z['kill'])

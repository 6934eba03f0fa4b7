import { readFileSync } from 'node:fs';
import { fromJSON, toJSON, type Labels } from '/work/wt-realpure/core/term_json.ts';
import { truncate } from '/work/wt-realpure/core/truncator.ts';
import { expectedTruncation } from '/work/wt-realpure/sim/check/oracle.ts';
import { termEquals, heapWords, externalBytesTop, type Term } from '/work/wt-realpure/core/terms.ts';

const doc = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const LOCAL = doc.local_node as string;
const variants: Record<string, [number, number]> = {
  default: [3, 1024], depth1_max1024: [1, 1024], depth2_max1024: [2, 1024], depth5_max1024: [5, 1024],
  depth3_max100: [3, 100], depth3_max100000: [3, 100000],
};
for (const d of doc.runtime_depths) variants[`runtime_depth_${d}`] = [d, 1024];
const stats: Record<string, { n: number; bad: number; ex: string[] }> = {};
function rec(k: string, ok: boolean, ex: string) {
  const s = (stats[k] ??= { n: 0, bad: 0, ex: [] });
  s.n++;
  if (!ok) { s.bad++; if (s.ex.length < 4) s.ex.push(ex); }
}
let uid = 1000;
function labelsOf(v: any): Labels {
  const m: Labels = new Map();
  for (const [l, info] of Object.entries<any>(v.labels)) {
    const n = ++uid;
    if (info.kind === 'pid') m.set(l, { t: 'pid', uid: n, node: info.node, id: n, creation: 0 });
    else if (info.kind === 'ref') m.set(l, { t: 'ref', uid: n, node: info.node, alias: info.alias });
    else if (info.kind === 'port') m.set(l, { t: 'port', uid: n, node: info.node });
    else m.set(l, { t: 'fun', name: l });
  }
  return m;
}
const short = (j: unknown) => JSON.stringify(j).slice(0, 300);
for (const v of doc.vectors) {
  const labels = labelsOf(v);
  const input = fromJSON(v.input, labels);
  for (const [name, [depth, max]] of Object.entries(variants)) {
    const real = fromJSON(v.outputs[name], labels);
    const z = truncate(input, depth, max);
    rec(`trunc core ${name}`, termEquals(z, real), `#${v.id} in=${short(v.input)} real=${short(v.outputs[name])} z=${short(toJSON(z, labels))}`);
    const o = expectedTruncation(input, depth, max);
    rec(`trunc oracle ${name}`, termEquals(o, real), `#${v.id} in=${short(v.input)} real=${short(v.outputs[name])} o=${short(toJSON(o, labels))}`);
  }
  const fun = v.sizes.has_fun;
  const tag = fun ? ' (fun)' : '';
  const fs = heapWords(input, LOCAL) - 1;
  rec(`flat_size${tag}`, fs === v.sizes.flat_size, `#${v.id} real=${v.sizes.flat_size} z=${fs} in=${short(v.input)}`);
  const tb = externalBytesTop(input);
  rec(`term_to_binary${tag}`, tb === v.sizes.term_to_binary, `#${v.id} real=${v.sizes.term_to_binary} z=${tb} in=${short(v.input)}`);
  rec(`external_size${tag}`, tb === v.sizes.external_size, `#${v.id} real=${v.sizes.external_size} z=${tb} in=${short(v.input)}`);
  const out = fromJSON(v.outputs.default, labels);
  const ofs = heapWords(out, LOCAL) - 1;
  rec(`out flat_size${tag}`, ofs === v.default_output_sizes.flat_size, `#${v.id} real=${v.default_output_sizes.flat_size} z=${ofs} out=${short(v.outputs.default)}`);
  const otb = externalBytesTop(out);
  rec(`out term_to_binary${tag}`, otb === v.default_output_sizes.term_to_binary, `#${v.id} real=${v.default_output_sizes.term_to_binary} z=${otb} out=${short(v.outputs.default)}`);
}
for (const [k, s] of Object.entries(stats)) {
  console.log(`${k}: ${s.n - s.bad}/${s.n} agree`);
  for (const e of s.ex) console.log('   ', e);
}
// minimal disagreeing subterms
const minimal: Record<string, { n: number; ex: string }> = {};
function children(j: any): any[] {
  switch (j.t) {
    case 'tuple': case 'list': return j.v;
    case 'ilist': return [...j.v, j.tail];
    case 'map': case 'struct': return j.v.flatMap((p: any) => [p[0], p[1]]);
    default: return [];
  }
}
for (const v of doc.vectors) {
  if (v.sizes.has_fun && process.env.WITH_FUNS === undefined) continue; // WITH_FUNS=1: the funs too (was diff2.ts)
  const labels = labelsOf(v);
  const subs: [number, number][] = v.subterm_sizes;
  let i = 0;
  const walk = (j: any): boolean => {
    const [rf, rt] = subs[i++]!;
    const t = fromJSON(j, labels);
    const zf = heapWords(t, LOCAL) - 1, zt = externalBytesTop(t);
    let childBad = false;
    for (const c of children(j)) if (walk(c)) childBad = true;
    const bad = rf !== zf || rt !== zt;
    if (bad && !childBad) {
      const key = `${j.t}${j.t === 'map' || j.t === 'struct' ? ':' + j.v.length : ''}${j.t === 'bits' ? ':' + j.bit_size : ''} flat ${rf}/${zf} t2b ${rt}/${zt}`;
      const m = (minimal[key] ??= { n: 0, ex: short(j) });
      m.n++;
    }
    return bad;
  };
  walk(v.input);
  if (i !== subs.length) console.log('walk mismatch', v.id, i, subs.length);
}
console.log('minimal disagreeing subterms (kind flat real/z t2b real/z):');
for (const [k, m] of Object.entries(minimal).sort()) console.log(`  ${m.n}x ${k}   e.g. ${m.ex.slice(0, 160)}`);

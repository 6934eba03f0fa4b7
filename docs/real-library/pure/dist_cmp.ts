// zensim's wire bytes (sim/beam/wire.ts) for the sends dist.exs measured on the real VM.
import { readFileSync } from 'node:fs';
import { fromJSON, type Labels } from '/work/wt-realpure/core/term_json.ts';
import { AtomCache, AtomTable, encode, frameBytes } from '/work/wt-realpure/sim/beam/wire.ts';
import type { Pid } from '/work/wt-realpure/core/terms.ts';
const doc = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const A = doc.local_node as string;
const sink: Pid = { t: 'pid', uid: 999999, node: doc.remote_node, id: 1, creation: 1 };
const cache = new AtomCache();
const table = new AtomTable();
let uid = 0, agree = 0, n = 0;
const bad: string[] = [];
for (const [i, r] of (doc.rows as any[]).entries()) {
  const labels: Labels = new Map();
  for (const [l, info] of Object.entries<any>(r.labels)) {
    const u = ++uid;
    if (info.kind === 'pid') labels.set(l, { t: 'pid', uid: u, node: info.node, id: u, creation: 1 });
    else if (info.kind === 'ref') labels.set(l, { t: 'ref', uid: u, node: info.node, alias: info.alias });
    else if (info.kind === 'port') labels.set(l, { t: 'port', uid: u, node: info.node });
    else labels.set(l, { t: 'fun', name: l });
  }
  const term = fromJSON(r.input, labels);
  const hasFun = JSON.stringify(r.input).includes('"t":"fun"');
  frameBytes(encode({ kind: 'send', to: sink, msg: term }, A), cache, table);
  let z = 0;
  for (let k = 0; k < 5; k++) z += frameBytes(encode({ kind: 'send', to: sink, msg: term }, A), cache, table);
  n++;
  if (z === r.bytes5) agree++;
  else bad.push(`#${i}${hasFun ? ' (fun)' : ''} real ${r.bytes5 / 5} B/send (${r.packets5 / 5} packets) zensim ${z / 5} B  t2b ${r.term_to_binary}  ${JSON.stringify(r.input).slice(0, 140)}`);
}
console.log(`${agree}/${n} exact`);
for (const b of bad) console.log('  ' + b);

import { World } from '../sim/world.js';
import { atom, tuple } from '../core/terms.js';
const w = new World({ seed: 1 });
w.addNode('a@h'); w.addNode('b@h');
const got: unknown[] = [];
const sleeper = { handle() {} };
const targets = [] as any[];
for (let i = 0; i < 5; i++) targets.push(w.spawn('b@h', sleeper));
const sub = w.spawn('a@h', {
  init(ctx) { for (const t of targets) ctx.monitor(t); ctx.monitorNode('b@h'); },
  handle(ctx, msg) { got.push([ctx.nowUs(), (msg as any).kind, (msg as any).reason?.v ?? (msg as any).node]); },
});
w.at(10_000, () => w.exit(targets[0], atom('kill'), 'a@h'));
w.at(20_000, () => w.crash('b@h'));
w.kernel.run({ untilUs: 1_000_000 });
console.log(got, w.kernel.traceHash(), w.kernel.executed);

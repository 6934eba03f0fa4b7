// process_info(:memory) beyond the heap and monitors (sim/beam/memory.ts, PROCESS_INFO_EXTRA),
// against erts 13.1.5: idle processes, each collected, on the real VM
// (docs/real-library/pure/pcb.exs and pinfo.exs; results/pcb.json, pinfo.json): a plain spawn
// 2640; spawn_link 2680 (a link, 40 at each end); five links 2840; proc_lib:spawn 2728 (its
// dictionary, 88); proc_lib:spawn_link and a linked Agent 2768; ZenMonitor.Proxy.Tables,
// owner of a table, linked to its supervisor 2848 (80 for a table owner's process-specific
// data); remote monitors and monitor_node with a peer (monname.exs, monnode.exs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, type Pid } from '../../../core/terms.js';
import type { Behaviour, Ctx, Proc } from '../../../sim/beam/process.js';
import { World } from '../../../sim/beam/world.js';

const A = 'a@h';
const idle: Behaviour = { handle: () => undefined };

function world(): World {
  const w = new World({ seed: 1 });
  w.addNode(A, { schedulers: 1 });
  return w;
}

function info(w: World, pid: Pid): number {
  w.mem.collect(w.proc(pid) as Proc);
  return w.mem.processInfoBytes(w.proc(pid) as Proc);
}

test('process_info: a link is 40 bytes at each end (spawn_link: 2680; five links: 2840)', () => {
  const w = world();
  const children: Pid[] = [];
  const parent = w.spawn(A, {
    handle(ctx: Ctx) {
      for (let i = 0; i < 5; i++) children.push(ctx.spawnLink(idle));
    },
  });
  w.send(parent, atom('go'));
  w.kernel.run({ untilUs: 10_000 });
  assert.is(info(w, children[0] as Pid), 2680);
  assert.is(info(w, parent), 2840);
});

test('process_info: a proc_lib process has its dictionary (88): started and linked, 2768', () => {
  const w = world();
  let child: Pid | undefined;
  const parent = w.spawn(A, {
    handle(ctx: Ctx) {
      child = ctx.startLink(idle);
    },
  });
  w.send(parent, atom('go'));
  w.kernel.run({ untilUs: 10_000 });
  assert.is(info(w, child as Pid), 2768);
});

test('process_info: an ETS table\'s owner has 80 bytes of process-specific data (a named table; a private one)', () => {
  const w = world();
  const named = w.spawn(A, { init: (ctx) => void ctx.etsNew('t'), handle: () => undefined });
  const unnamed = w.spawn(A, { init: (ctx) => ctx.etsNewPrivate(), handle: () => undefined });
  w.kernel.run({ untilUs: 10_000 });
  assert.equal([info(w, named), info(w, unnamed)], [2720, 2720]);
});

test('process_info: a remote monitor\'s watcher 88 by pid, 72 by {name, node}; monitor_node 60, however many calls (monnode.exs, monname.exs: 2728, 2712; 2700, twice 2700)', () => {
  const w = world();
  const B = 'b@h';
  w.addNode(B, { schedulers: 1 });
  const target = w.spawn(B, idle, { name: 'some_name' });
  const byPid = w.spawn(A, { init: (ctx) => void ctx.monitor(target), handle: () => undefined });
  const byName = w.spawn(A, { init: (ctx) => void ctx.monitor({ name: 'some_name', node: B }), handle: () => undefined });
  const node = w.spawn(A, {
    init: (ctx) => {
      ctx.monitorNode(B);
      ctx.monitorNode(B);
    },
    handle: () => undefined,
  });
  w.kernel.run({ untilUs: 100_000 });
  assert.equal([info(w, byPid), info(w, byName), info(w, node)], [2728, 2712, 2700]);
});

test.run();

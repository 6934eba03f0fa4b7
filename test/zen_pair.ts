// Two nodes running ZenMonitor, connected and settled for 100 ms, as the drivers of the
// real-library measurements (docs/real-library) set them up: the start of their zensim
// sides (scale_driver.ts, amp_driver.ts).
import { World } from '../sim/beam/world.js';
import { ZenCluster } from '../sim/zen/cluster.js';

export type ZenPair = { w: World; zen: ZenCluster; run: (ms: number) => void };

export function zenPair(a: string, b: string): ZenPair {
  const w = new World({ seed: 1 });
  w.addNode(a, { schedulers: 2 });
  w.addNode(b, { schedulers: 2 });
  const zen = new ZenCluster(w);
  zen.start(a);
  zen.start(b);
  const run = (ms: number) => w.kernel.run({ untilUs: w.nowUs + ms * 1000 });
  w.net.ensureConnected(a, b);
  run(100);
  return { w, zen, run };
}

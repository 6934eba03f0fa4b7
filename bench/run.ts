// `npm run bench`: runs every benchmark module in order, then prints the headline
// figures as its last lines, in this order and form (scripts read them):
//   ratio kernel/bare-heap: X      kernel events per CPU s ÷ the bare heap's (hold model, the smaller of two sizes)
//   ratio herd/limit: Y            CPU of the 100k herd ÷ CPU of the bare heap running its events at its mean queue length
//   bytes allocated per event: Z   the 100k herd's JS-heap allocation ÷ its events
//   startup cpu ms: H help, R run  `zensim --help`, `zensim run` of a 10-target herd (whole command, median)
import { tuneV8 } from '../bin/v8.mjs';
import * as herd from './herd.bench.js';
import * as kernel from './kernel.bench.js';
import * as startup from './startup.bench.js';

tuneV8(true); // as `zensim run` runs (its herd tells growHeapFor each run's estimate): the figures are the simulator's as users get it
const h = herd.bench();
const k = kernel.bench();
const s = startup.bench();
console.log(`GC share of the herd's run time (pauses ÷ wall): ${(100 * h.gcShare).toFixed(1)}%`);
console.log(`ratio kernel/bare-heap: ${k.toFixed(2)}`);
console.log(`ratio herd/limit: ${h.limitRatio.toFixed(2)}`);
console.log(`bytes allocated per event: ${Math.round(h.bytesPerEvent)}`);
console.log(`startup cpu ms: ${Math.round(s.help as number)} help, ${Math.round(s.run as number)} run`);

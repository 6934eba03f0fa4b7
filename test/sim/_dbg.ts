import { atom } from '../../core/terms.js';
import { makeWorld, A, recorder, drain } from './helpers.js';
const w = makeWorld();
const log: any[] = [];
const p = w.spawn(A, recorder(log, undefined, (ctx) => ctx.send(ctx.self, atom('from_init'))));
w.send(p, atom('from_driver'));
w.kernel.setTrace((l) => console.log(l));
drain(w);
console.log(log);

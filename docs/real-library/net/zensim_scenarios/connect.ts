// realnet: connection set-up time (connect_node) and first message by auto-connect, vs latency
import { atom, defineScenario, param, type Pid } from 'zensim';
const A = 'a@h', B = 'b@h', C = 'c@h';
export default defineScenario({
  name: 'connect', description: 'set-up time', params: { x: param.int(0, 'unused', { min: 0, max: 1 }) },
  cluster: () => ({ nodes: [{ name: A, schedulers: 2 }, { name: B, schedulers: 2 }, { name: C, schedulers: 2 }], net: { jitterUs: 0 } }),
  script: (run) => {
    run.at(200, () => { run.trigger(); run.connect(A, B); });
    run.when(() => run.connected(A, B), () => run.note('connect_ms_10ms_poll', run.world.nowUs / 1000 - 200), 0.001);
    let recv: Pid | undefined;
    run.at(150, () => { recv = run.world.spawn(B, { handle: function* (ctx) { run.note('first_msg_ms', ctx.nowUs() / 1000 - 300); } }); });
    run.at(300, () => { run.world.spawn(C, { init: function* (ctx) { ctx.send(recv as Pid, atom('hello')); }, handle: function* () {} }); });
    run.endAt(30000);
  },
});

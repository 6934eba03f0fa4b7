import { param } from './sim/params.js';
import { runScenario } from './sim/runner.js';
import { defineScenario } from './sim/scenario.js';
const A='a@h',B='b@h';
const tiny = defineScenario({ name: 't', description: '', params: { targets: param.int(200, 't', { min: 1 }) },
  cluster: () => ({ nodes: [{ name: A }, { name: B }] }),
  script: (run: any, p: any) => { const targets = run.spawnMany(B, p.targets);
    const sub = run.subscriber(A, { name: 'subscriber', downCostUs: 20, setup: (ctx: any) => { for (const t of targets) run.monitor(ctx, t); } });
    run.expectDowns(p.targets); run.ticker(A, sub, 1); run.at(1000, () => { run.trigger(); run.crash(B); }); run.endAt(3000); } }) as any;
const d = runScenario(tiny, { params: { mode: 'zen' } });
console.log(d.runs[0]!.downs);

// run.restart in a scenario: the node boots again (a new creation) with its applications,
// so ZenMonitor starts there again in zen mode on a node that booted with it, with the app
// env it booted with; never on a node the cluster runs without it, nor in vanilla mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../../sim/run/runner.js';
import { defineScenario, type Scenario } from '../../../sim/run/scenario.js';

const restarted = defineScenario({
  name: 'restarted',
  description: 'b and c crash and restart; which run ZenMonitor afterwards',
  params: {},
  cluster: () => ({
    nodes: [{ name: 'a@h' }, { name: 'b@h' }, { name: 'c@h', zen: false }],
    zen: { demand_amount: 7 },
  }),
  script: (run) => {
    run.expectDowns(0);
    run.at(200, () => {
      run.crash('b@h');
      run.crash('c@h');
    });
    run.at(300, () => {
      run.restart('b@h');
      run.restart('c@h');
    });
    run.at(400, () => {
      run.note('b', run.zen === null ? 'vanilla' : String(run.zen.started('b@h')));
      run.note('c', run.zen === null ? 'vanilla' : String(run.zen.app('c@h') !== undefined));
      run.note('b demand_amount', run.zen?.app('b@h')?.config.demand_amount ?? null);
      run.trigger();
      run.endAt(500);
    });
  },
}) as unknown as Scenario;

test('run.restart: ZenMonitor starts again on a restarted node that booted with it, with its app env; not on a node without it; nothing in vanilla mode', () => {
  const doc = runScenario(restarted, { seed: 1, params: { mode: 'both' } });
  const [vanilla, zen] = doc.runs;
  assert.equal(zen?.notes, { b: 'true', c: 'false', 'b demand_amount': 7 });
  assert.equal(vanilla?.notes, { b: 'vanilla', c: 'vanilla', 'b demand_amount': null });
});

test.run();

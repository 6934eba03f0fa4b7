// The quick path of `zensim run` (sim/cli_quick.ts) against yargs (sim/cli_parse.ts):
// every command line it takes, it reads as yargs does (the same command, or the same
// InputError), and it takes the usual ones.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from '../../sim/cli_parse.js';
import { quickRunCommand } from '../../sim/cli_quick.js';
import { InputError } from '../../sim/run/params.js';

/** What a parser makes of `argv`: its command, or its InputError's line. */
function outcome(parse: (argv: string[]) => unknown, argv: string[]): unknown {
  try {
    return parse(argv);
  } catch (e) {
    if (e instanceof InputError) return `InputError: ${e.message}`;
    throw e;
  }
}

test('quick path: the usual command lines, read as yargs reads them', () => {
  const lines = [
    ['run', 'scenarios/herd.ts'],
    ['run', 'scenarios/herd.ts', '--set', 'targets=10', '--quiet'],
    ['run', './herd.ts', '--seed', '1', '--set', 'targets=10', '--set', 'zen.demand_amount=500', '--json', '-'],
    ['run', 'herd.ts', '--quiet', '--json', 'out.json', '--report', 'r.html', '--trace', 't.jsonl', '--perfetto', 'p.json', '--seed', '12'],
  ];
  for (const argv of lines) {
    const quick = quickRunCommand(argv);
    assert.ok(quick !== undefined, argv.join(' '));
    assert.equal(quick, parseArgs(argv), argv.join(' '));
  }
});

test('quick path: bad values give the same InputError; other forms are left to yargs', () => {
  for (const argv of [['run', 'x.ts', '--seed', 'abc'], ['run', 'x.ts', '--set', 'noequals'], ['run', 'x.ts', '--json', 'a', '--trace', 'a'], ['run', 'x.ts', '--set', 'a=1', '--set', 'a=2']]) {
    assert.equal(outcome((a) => quickRunCommand(a), argv), outcome(parseArgs, argv), argv.join(' '));
  }
  for (const argv of [['run'], ['run', 'x.ts', '--help'], ['run', 'x.ts', '--seed=3'], ['run', 'x.ts', '--set', 'a=1', 'b=2'], ['run', 'x.ts', '--quiet', 'true'], ['run', 'x.ts', '--seed', '1', '--seed', '2'], ['check'], ['run', 'x.ts', '--bogus', 'v']]) {
    assert.is(quickRunCommand(argv), undefined, argv.join(' '));
  }
});

test('quick path: any command line it takes from generated words, yargs reads the same', () => {
  const options = ['--quiet', '--seed', '--set', '--json', '--report', '--trace', '--perfetto', '--help', '--seed=3', '--no-quiet', '--', '-q'];
  const values = ['x.ts', '10', '1e3', '0x1f', '.5', '-', 'a=1', 'b=2', 'zen.demand_amount=5', 'cost.x=0.5', 'out.json', 'true', '007', ''];
  // Mostly an option and a value, sometimes a lone word of either kind.
  const chunk = fc.oneof(fc.tuple(fc.constantFrom(...options), fc.constantFrom(...values)), fc.constantFrom(...options, ...values).map((w) => [w]));
  let taken = 0;
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 6 }), fc.constantFrom('x.ts', './s.ts', '10', '1e3', '.5', '-x', 'run'), (chunks, scenario) => {
      const argv = ['run', scenario, ...chunks.flat()];
      const quick = outcome((a) => quickRunCommand(a), argv);
      if (quick === undefined) return;
      taken++;
      assert.equal(quick, outcome(parseArgs, argv), argv.join(' '));
    }),
    { numRuns: 4000, seed: 28 },
  );
  assert.ok(taken > 200, `the quick path took ${taken} of the generated lines`);
});

test.run();

// Mutation testing of `zensim check`, the fast subset `npm test` runs (`npm run mutate`
// runs every mutant of mutants.ts with 500 runs): every mutant still applies to the
// source (its anchor occurs exactly once; one that no longer does says so by name); and
// a few mutants, each applied to a temporary copy of the tree, make `zensim check` alone
// (the command, as a user runs it) report a new failure or a crash, within the runs the
// full study needs for them, by the property meant to catch them. The planted crash is
// replayed from the schedule the check printed.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkMutant, mutatedText, mutatedTree } from './mutate.js';
import { MUTANTS, type Mutant } from './mutants.js';

test(`every mutant (${MUTANTS.length}) still applies: its anchor occurs exactly once in its file`, () => {
  assert.ok(MUTANTS.length >= 15);
  assert.is(new Set(MUTANTS.map((m) => m.name)).size, MUTANTS.length, 'names are unique');
  for (const m of MUTANTS) assert.is.not(mutatedText(m), undefined, m.name);
});

test('a mutant whose anchor is gone, or occurs twice, fails loudly by name', () => {
  const base = MUTANTS[0] as Mutant;
  assert.throws(() => mutatedText({ ...base, name: 'gone', find: 'no such text anywhere' }), /mutant gone no longer applies: its anchor occurs 0 times in core\/dispatcher\.ts/);
  assert.throws(() => mutatedText({ ...base, name: 'twice', find: 'return' }), /mutant twice no longer applies: its anchor occurs \d+ times/);
});

/** Mutants `npm test` runs, each with the runs the full study needed to catch it (seed 1). */
const FAST: readonly (readonly [string, number])[] = [
  ['dispatcher-asks-one-too-many', 3],
  ['send-after-without-ms-rounding', 15],
  ['truncation-depth-off-by-one', 3],
];

for (const [name, runs] of FAST) {
  const m = MUTANTS.find((x) => x.name === name) as Mutant;
  test(`zensim check catches mutant ${name} within ${runs} runs, by ${m.expect}: ${m.breaks}`, () => {
    const r = checkMutant(m, { runs, seed: 1 });
    assert.ok(r.caught, `survived ${runs} runs:\n${r.output}`);
    assert.ok(r.by.includes(m.expect), `caught by ${r.by.join(', ')}, not ${m.expect}`);
    assert.is(r.exitCode, 1);
  });
}

test('a planted crash: zensim check exits 1 and prints a shrunk schedule whose replay crashes the same way, its trace written up to the crash', () => {
  const m = MUTANTS.find((x) => x.name === 'connector-line-removed-invariant-throws') as Mutant;
  const dir = mutatedTree(m);
  try {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(dir, 'bin/zensim.mjs'), ...args], { cwd: dir, encoding: 'utf8' });
    const check = cli(['check', '--runs', '12', '--seed', '1']);
    assert.is(check.status, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /^ {2}CRASH \d+ run\(s\) threw \(first at run \d+\): InvariantError: Connector\(n\d@h\): 0 monitors counted over 1 targets/m);
    const replay = /^replay: npx zensim check (--replay \S+) --trace trace\.jsonl$/m.exec(check.stdout)?.[1];
    assert.ok(replay !== undefined, check.stdout);
    const again = cli(['check', ...replay.split(' '), '--trace', 'trace.jsonl']);
    assert.is(again.status, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /CRASH the run threw: InvariantError: Connector\(n\d@h\): 0 monitors counted over 1 targets/);
    // The printed command's trace is written, every event up to the one that threw.
    assert.match(again.stdout, /^trace \(up to the crash\): trace\.jsonl$/m);
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n');
    assert.ok(lines.length > 10, `${lines.length} trace lines`);
    for (const l of lines) JSON.parse(l);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

// The checker's own Truncator (sim/check/oracle.ts), which the properties use to judge
// the reasons subscribers get, against every vector measured on the real library
// (shared/fixtures/truncator-vectors.json, default depth and depths 1 to 4) and the
// examples of spec §8; and it is not core's Truncator (it does not import it).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromJSON, toJSON, type Labels } from '../../../core/term_json.js';
import { atom, list, termEquals, tuple, type Term } from '../../../core/terms.js';
import { truncate } from '../../../core/truncator.js';
import { expectedTruncation } from '../../../sim/check/oracle.js';
import { REASONS } from '../../../sim/check/schedule.js';
import { truncatorFixture as fixture } from '../../core/truncator_vectors.js';

const DEFAULT_DEPTH = fixture.truncator_compile_time_config.truncation_depth;

test('the oracle is written apart from core/truncator.ts (it imports only terms)', () => {
  const imports = readFileSync(new URL('../../../sim/check/oracle.ts', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('import'));
  assert.equal(imports, ["import { assertNever, atom, type Term } from '../../../core/terms.js';".replace('../../../', '../../')]);
});

for (const vector of fixture.vectors) {
  test(`oracle, vector ${vector.id}: every depth matches what the real Truncator returned`, () => {
    const labels: Labels = new Map();
    const input = fromJSON(vector.input, labels);
    for (const [key, expected] of Object.entries(vector.outputs)) {
      const depth = key === 'default' ? DEFAULT_DEPTH : Number(/^depth_(\d+)$/.exec(key)?.[1]);
      assert.equal(toJSON(expectedTruncation(input, depth), labels), expected.term, `${vector.id} ${key}`);
    }
  });
}

test('oracle, §8 examples: nested lists at depth 2, {:foo, {:shutdown, 7 atoms}} at depth 3', () => {
  const a = atom;
  const nested = list([a('a'), list([a('b'), list([a('c'), list([a('d'), list([a('e'), list([a('f')])])])])])]);
  assert.ok(termEquals(expectedTruncation(nested, 2), list([a('a'), list([a('truncated'), a('truncated')])])));
  const seven = list(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(a));
  assert.ok(termEquals(expectedTruncation(tuple(a('foo'), tuple(a('shutdown'), seven)), 3), tuple(a('foo'), tuple(a('shutdown'), a('truncated')))));
  assert.ok(termEquals(expectedTruncation(tuple(a('shutdown'), seven), 0), tuple(a('shutdown'), seven)), 'top-level {:shutdown, _} passes even at depth 0');
});

test("oracle, the check's own exit reasons at depths 0 to 4 (what subscribers must get)", () => {
  const show = (t: Term): string => JSON.stringify(toJSON(t, new Map()));
  const deep = REASONS[4]?.term() as Term;
  assert.is(show(expectedTruncation(deep, 3)), show(tuple(atom('boom'), tuple(atom('deep'), tuple(atom('truncated'), atom('truncated'))))));
  assert.is(show(expectedTruncation(deep, 1)), show(tuple(atom('truncated'), atom('truncated'))));
  assert.is(show(expectedTruncation(REASONS[6]?.term() as Term, 4)), show(atom('truncated')), 'a 6-tuple');
  assert.is(show(expectedTruncation(atom('killed'), 0)), show(atom('truncated')), 'depth 0 truncates even atoms');
});

test('oracle and core agree for a library compiled with another max_binary_size', () => {
  const show = (t: Term): string => JSON.stringify(toJSON(t, new Map()));
  for (const size of [3, 100, 5000]) {
    for (const n of [size - 4, size - 3, size, size + 1, 2 * size + 10]) {
      const reason = tuple(atom('error'), { t: 'bin', bytes: new Uint8Array(Math.max(0, n)).fill(7) });
      assert.is(show(expectedTruncation(reason, 3, size)), show(truncate(reason, 3, size)), `max_binary_size ${size}, a binary of ${n} bytes`);
    }
  }
});

test.run();

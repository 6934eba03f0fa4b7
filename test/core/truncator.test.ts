// ZenMonitor.Truncator against the vectors measured on the real library
// (shared/fixtures/truncator-vectors.json) and the examples of spec §8.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, bits, ilist, int, list, mapOf, tuple } from '../../core/terms.js';
import type { Term } from '../../core/terms.js';
import { fromJSON, toJSON } from '../../core/term_json.js';
import type { Labels } from '../../core/term_json.js';
import { MAX_BINARY_SIZE, TRUNCATION_DEPTH, truncate } from '../../core/truncator.js';
import { inspect } from '../../core/inspect.js';

import { truncatorFixture as fixture } from './truncator_vectors.js';


function depthOf(outputKey: string): number | undefined {
  if (outputKey === 'default') return undefined;
  const m = /^depth_(\d+)$/.exec(outputKey);
  if (m === null) throw new Error(`unexpected output key ${outputKey}`);
  return Number(m[1]);
}

test('the fixture was measured with the constants we use', () => {
  assert.is(fixture.truncator_compile_time_config.max_binary_size, MAX_BINARY_SIZE);
  assert.is(fixture.truncator_compile_time_config.truncation_depth, TRUNCATION_DEPTH);
  assert.ok(fixture.vectors.length >= 50);
});

for (const vector of fixture.vectors) {
  test(`vector ${vector.id}: every depth matches the real Truncator`, () => {
    const labels: Labels = new Map();
    const input = fromJSON(vector.input, labels);
    for (const [key, expected] of Object.entries(vector.outputs)) {
      const depth = depthOf(key);
      const out = depth === undefined ? truncate(input) : truncate(input, depth);
      assert.equal(toJSON(out, labels), expected.term, `${vector.id} ${key}`);
      if (expected.identical_to_input) assert.ok(out === input, `${vector.id} ${key}: same object`);
      else assert.ok(out !== input, `${vector.id} ${key}: a new term`);
    }
  });
}

// --- spec §8, written out -------------------------------------------------------------

const a = (name: string): Term => atom(name);
const T = atom('truncated');

function nestedList(names: string[]): Term {
  const [head, ...rest] = names;
  if (head === undefined) throw new Error('empty');
  return rest.length === 0 ? list([a(head)]) : list([a(head), nestedList(rest)]);
}

test('§8: [:a, [:b, [:c, [:d, [:e, [:f]]]]]] at depth 2 is [:a, [:truncated, :truncated]]', () => {
  const out = truncate(nestedList(['a', 'b', 'c', 'd', 'e', 'f']), 2);
  assert.equal(out, list([a('a'), list([T, T])]));
});

test('§8: the deeply nested tuple at depth 3', () => {
  const input = tuple(a('this'), a('is'), a('an'), tuple(a('especially'), tuple(a('deeply'), tuple(a('nested'), tuple(a('tuple'))))));
  const expected = tuple(a('this'), a('is'), a('an'), tuple(a('especially'), tuple(T, T)));
  assert.equal(truncate(input, 3), expected);
});

test('§8 rule 1: {:shutdown, x} passes untouched only at top level', () => {
  const longList = list(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(a));
  const top = tuple(a('shutdown'), longList);
  assert.ok(truncate(top) === top);
  assert.ok(truncate(top, 0) === top, 'even at depth 0');
  const nested = tuple(a('foo'), tuple(a('shutdown'), longList));
  assert.equal(truncate(nested), tuple(a('foo'), tuple(a('shutdown'), T)));
  const triple = tuple(a('shutdown'), a('x'), a('y'));
  assert.equal(truncate(triple, 1), tuple(T, T, T), 'only 2-tuples are exempt');
});

test('§8 rule 2: depth is checked before every other rule', () => {
  for (const x of [a('ok'), int(1), bin(new Uint8Array(3)), tuple(), list([]), mapOf([])]) {
    assert.equal(truncate(x, 0), T);
  }
  const pid: Term = { t: 'pid', uid: 1, node: 'a@h', id: 7, creation: 1 };
  assert.equal(truncate(tuple(pid, a('b')), 1), tuple(T, T));
});

test('§8 rule 4: binaries up to 1024 bytes pass, longer ones keep 1021 bytes and end in "..."', () => {
  const exact = bin(new Uint8Array(MAX_BINARY_SIZE).fill(0x61));
  assert.ok(truncate(exact) === exact);
  const out = truncate(bin(new Uint8Array(2048).fill(0x61)));
  assert.is(out.t, 'bin');
  if (out.t !== 'bin') return;
  assert.is(out.bytes.length, MAX_BINARY_SIZE);
  assert.is(Buffer.from(out.bytes.subarray(1021)).toString('latin1'), '...');
  assert.ok(out.bytes.subarray(0, 1021).every((b) => b === 0x61));
});

test('bitstrings: long ones are cut like binaries, short non-aligned ones become :truncated', () => {
  const long = bits(new Uint8Array(1026).fill(0x62), 1025 * 8 + 3); // README: 1025 bytes + 3 bits
  const out = truncate(long);
  assert.is(out.t, 'bin');
  if (out.t === 'bin') {
    assert.is(out.bytes.length, 1024);
    assert.is(Buffer.from(out.bytes.subarray(1021)).toString('latin1'), '...');
  }
  // Upstream matches <<chunk::binary-size(1021), _::bits>>: 1021 bytes + 3 bits is cut too.
  const atLimit = truncate(bits(new Uint8Array(1022), 1021 * 8 + 3));
  assert.ok(atLimit.t === 'bin' && atLimit.bytes.length === 1024);
  assert.equal(truncate(bits(new Uint8Array(1021), 1020 * 8 + 3)), T);
  assert.equal(truncate(bits(new Uint8Array([0xa0]), 3)), T);
});

test('§8 rule 5: tuples and lists of up to 4 elements, maps of up to 4 entries', () => {
  const four = [1, 2, 3, 4].map(int);
  const five = [1, 2, 3, 4, 5].map(int);
  assert.equal(truncate(tuple(...five)), T);
  assert.equal(truncate(list(five)), T);
  const t4 = tuple(...four);
  assert.ok(truncate(t4) === t4);
  const m4 = mapOf(four.map((v, i) => [a(`k${i}`), v] as const));
  assert.ok(truncate(m4) === m4);
  assert.equal(truncate(mapOf(five.map((v, i) => [a(`k${i}`), v] as const))), T);
});

test('map keys are never truncated, only values', () => {
  const deepKey = tuple(tuple(tuple(tuple(a('k')))));
  const input = mapOf([[deepKey, tuple(a('v'))]]);
  const out = truncate(input, 1);
  assert.equal(out, mapOf([[deepKey, T]]));
  if (out.t === 'map') assert.ok(out.v[0]?.[0] === deepKey, 'the key object itself');
});

function struct(module: string, fields: [string, Term][]): Term {
  return mapOf([[a('__struct__'), a(module)], ...fields.map(([k, v]) => [a(k), v] as const)]);
}

test('structs: the tag is set aside, so 4 fields pass and 5 become :truncated', () => {
  const four = struct('Elixir.S4', [['a', int(1)], ['b', int(2)], ['c', int(3)], ['d', tuple(int(4))]]);
  assert.ok(truncate(four) === four);
  assert.equal(truncate(four, 1), struct('Elixir.S4', [['a', T], ['b', T], ['c', T], ['d', T]]));
  const five = struct('Elixir.S5', [['a', int(1)], ['b', int(2)], ['c', int(3)], ['d', int(4)], ['e', int(5)]]);
  assert.equal(truncate(five), T);
  // The same rule for a module nobody has loaded: structs are recognised by shape.
  const unknown = struct('Elixir.Does.Not.Exist', [['x', tuple(a('y'))]]);
  assert.equal(truncate(unknown, 1), struct('Elixir.Does.Not.Exist', [['x', T]]));
});

test('a __struct__ key whose value is not an atom is an ordinary map entry', () => {
  const fake = mapOf([[a('__struct__'), bin(new Uint8Array([0x78]))], ...[1, 2, 3, 4].map((i) => [a(`f${i}`), int(i)] as const)]);
  assert.equal(truncate(fake), T, '5 entries counting __struct__');
});

test('§8 rule 6: improper lists, funs and short bitstrings become :truncated', () => {
  assert.equal(truncate(ilist([int(1)], int(2))), T);
  assert.equal(truncate({ t: 'fun', name: 'f' }), T);
  assert.equal(truncate(tuple({ t: 'fun', name: 'f' })), tuple(T));
});

test('charlists follow the list rules', () => {
  const abc = list([97, 98, 99].map(int));
  assert.ok(truncate(abc) === abc);
  assert.equal(truncate(list([...'hello'].map((c) => int(c.charCodeAt(0))))), T);
  assert.is(inspect(abc), "'abc'");
});

test('a library compiled with another max_binary_size cuts binaries there: 3 bytes fewer and "...", a bitstring as long too', () => {
  const big = bin(new Uint8Array(300).fill(120));
  const out = truncate(tuple(a('error'), big), TRUNCATION_DEPTH, 100);
  const cut = out.t === 'tuple' ? out.v[1] : undefined;
  assert.ok(cut?.t === 'bin', 'a binary');
  if (cut?.t === 'bin') {
    assert.is(cut.bytes.length, 100);
    assert.equal([...cut.bytes.subarray(96)], [120, 46, 46, 46]);
  }
  const exact = bin(new Uint8Array(100));
  assert.ok(truncate(exact, TRUNCATION_DEPTH, 100) === exact, 'one of max_binary_size bytes passes');
  assert.equal(truncate(bits(new Uint8Array(98), 97 * 8 + 3), TRUNCATION_DEPTH, 100).t, 'bin', 'a bitstring of 97 whole bytes is cut');
  assert.equal(truncate(bits(new Uint8Array(97), 96 * 8 + 3), TRUNCATION_DEPTH, 100), T, 'one of 96 is not');
});

test('unchanged subterms are shared with the input when a sibling changes', () => {
  const kept = tuple(a('x'));
  const input = tuple(kept, tuple(tuple(tuple(a('deep')))));
  const out = truncate(input, 3);
  assert.equal(out, tuple(kept, tuple(tuple(T))));
  if (out.t === 'tuple') assert.ok(out.v[0] === kept);
});

test.run();

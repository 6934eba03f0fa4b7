// inspect/1 as Elixir 1.14 prints terms: checked against every inspect string in the
// measured truncator vectors, plus hand-written cases for the rules they do not reach.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, bits, float, ilist, int, list, mapOf, tuple } from '../../core/terms.js';
import type { Term } from '../../core/terms.js';
import { fromJSON } from '../../core/term_json.js';
import type { Labels } from '../../core/term_json.js';
import { truncate } from '../../core/truncator.js';
import { fwriteG, inspect, inspectFloat } from '../../core/inspect.js';
import type { InspectOptions } from '../../core/inspect.js';

import { truncatorFixture } from './truncator_vectors.js';

const vectors = truncatorFixture.vectors;

/** What the fixture driver did: big binaries shown as a placeholder; T.* modules loaded. */
const FIXTURE_OPTS: InspectOptions = {
  summarizeBinariesOver: 64,
  structLoaded: (module) => module !== 'Elixir.Does.Not.Exist',
};

/** Identities whose numbers came from the real VM: only the shape can match. */
const VM_SHAPES: ReadonlyMap<string, RegExp> = new Map([
  ['pid', /^#PID<\d+\.\d+\.\d+>$/],
  ['ref', /^#Reference<\d+\.\d+\.\d+\.\d+>$/],
  ['port', /^#Port<\d+\.\d+>$/],
  ['fun', /^#Function<.+>$/],
]);

function check(term: Term, expected: string, what: string): void {
  const shape = VM_SHAPES.get(term.t);
  const got = inspect(term, FIXTURE_OPTS);
  if (shape !== undefined) {
    assert.match(got, shape, what);
    assert.match(expected, shape, `${what} (fixture)`);
  } else {
    assert.is(got, expected, what);
  }
}

for (const v of vectors) {
  test(`vector ${v.id}: input and output inspect strings`, () => {
    const labels: Labels = new Map();
    const input = fromJSON(v.input, labels);
    check(input, v.input_inspect, `${v.id} input`);
    for (const [key, out] of Object.entries(v.outputs)) {
      check(fromJSON(out.term, labels), out.inspect, `${v.id} ${key}`);
    }
  });
}

test('the placeholder the fixture uses for truncated binaries', () => {
  const big = bin(new Uint8Array(5000).fill(0x61));
  assert.is(inspect(truncate(big), FIXTURE_OPTS), '{:"<<binary>>", 1024, "..."}');
});

// --- atoms --------------------------------------------------------------------------

test('atoms: bare specials, aliases, operators, quoting', () => {
  const cases: [string, string][] = [
    ['ok', ':ok'],
    ['nil', 'nil'],
    ['true', 'true'],
    ['false', 'false'],
    ['Elixir.Foo', 'Foo'],
    ['Elixir.Foo.Bar2', 'Foo.Bar2'],
    ['Elixir', 'Elixir'],
    ['Elixir.foo', ':"Elixir.foo"'],
    ['Foo', ':Foo'],
    ['foo?', ':foo?'],
    ['foo!', ':foo!'],
    ['foo?x', ':"foo?x"'],
    ['_', ':_'],
    ['foo@bar', ':foo@bar'],
    ['a@127.0.0.1', ':"a@127.0.0.1"'],
    ['foo bar', ':"foo bar"'],
    ['with"quote', ':"with\\"quote"'],
    ['9a', ':"9a"'],
    ['', ':""'],
    ['+', ':+'],
    ['<>', ':<>'],
    ['::', ':"::"'],
    ['//', ':"//"'],
    ['%{}', ':%{}'],
    ['when', ':when'],
    ['ólá', ':ólá'],
    ['zen_monitor', ':zen_monitor'],
  ];
  for (const [name, expected] of cases) assert.is(inspect(atom(name)), expected, name);
});

// --- numbers ------------------------------------------------------------------------

test('floats: Elixir 1.14 Inspect.Float', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [3.14159, '3.14159'],
    [-0.5, '-0.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [0.001, '0.001'],
    [1e-4, '1.0e-4'],
    [1.5e-5, '1.5e-5'],
    [100, '100.0'],
    [1200, '1200.0'],
    [123.456, '123.456'],
    [1e15, '1000000000000000.0'],
    [1e16, '1.0e16'],
    [1.5e300, '1.5e300'],
    [0.30000000000000004, '0.30000000000000004'],
    [2 ** 53, '9007199254740992.0'],
    [5e-324, '5.0e-324'],
  ];
  for (const [f, expected] of cases) assert.is(inspectFloat(f), expected, String(f));
});

test('fwrite_g without the integral special case (Float.to_string)', () => {
  assert.is(fwriteG(1200), '1.2e3');
  assert.is(fwriteG(100), '100.0');
  assert.is(fwriteG(1e15), '1.0e15');
  assert.is(fwriteG(123456), '123456.0');
});

test('integers, including bignums', () => {
  assert.is(inspect(int(-42)), '-42');
  assert.is(inspect(int(123456789012345678901234567890n)), '123456789012345678901234567890');
});

// --- binaries -----------------------------------------------------------------------

const s = (text: string): Term => bin(Buffer.from(text, 'utf8'));

test('binaries: printable UTF-8 as strings with escapes, otherwise as bytes', () => {
  assert.is(inspect(s('hello')), '"hello"');
  assert.is(inspect(s('')), '""');
  assert.is(inspect(s('a"b\\c')), '"a\\"b\\\\c"');
  assert.is(inspect(s('#{x}')), '"\\#{x}"');
  assert.is(inspect(s('line\n\ttab')), '"line\\n\\ttab"');
  assert.is(inspect(s('é')), '"é"');
  assert.is(inspect(bin(new Uint8Array([0]))), '<<0>>');
  assert.is(inspect(bin(new Uint8Array([1, 2, 3]))), '<<1, 2, 3>>');
  assert.is(inspect(bin(new Uint8Array([0xc3]))), '<<195>>', 'truncated UTF-8');
  assert.is(inspect(bin(new Uint8Array([0xc2, 0x80]))), '<<194, 128>>', 'U+0080 is not printable');
});

test('bitstrings end with ::size(n)', () => {
  assert.is(inspect(bits(new Uint8Array([0xa0]), 3)), '<<5::size(3)>>');
  assert.is(inspect(bits(new Uint8Array([0x61, 0x20]), 11)), '<<97, 1::size(3)>>');
});

test('limits: 50 items per collection, 4096 characters per string', () => {
  const many = list(Array.from({ length: 60 }, (_, i) => atom(`a${i}`)));
  const shown = inspect(many);
  assert.ok(shown.endsWith(':a49, ...]'), shown.slice(-20));
  assert.is(inspect(list([1, 2, 3, 4, 5].map((i) => atom(`x${i}`))), { limit: 3 }), '[:x1, :x2, :x3, ...]');
  // The limit left over is passed down: the inner list is the 2nd item, so it gets 1.
  assert.is(inspect(tuple(atom('a'), tuple(atom('b'), atom('c'), atom('d'))), { limit: 3 }), '{:a, {:b, ...}}');
  assert.is(inspect(bin(new Uint8Array(5).fill(1)), { limit: 2 }), '<<1, 1, ...>>');
  assert.is(inspect(s('abcdef'), { printableLimit: 3 }), '"abc" <> ...');
  assert.is(inspect(list([97, 98, 99, 100].map(int)), { printableLimit: 2 }), "'ab' ++ ...");
  assert.is(inspect(list([]), { limit: 0 }), '[]');
});

// --- lists, tuples, maps ------------------------------------------------------------

test('lists: charlists, keyword lists, improper lists', () => {
  assert.is(inspect(list([])), '[]');
  assert.is(inspect(list([int(1), int(2)])), '[1, 2]');
  assert.is(inspect(list([104, 105].map(int))), "'hi'");
  assert.is(inspect(list([10, 39].map(int))), "'\\n\\''");
  assert.is(inspect(list([int(0), int(97)])), '[0, 97]');
  assert.is(inspect(list([tuple(atom('a'), int(1)), tuple(atom('b c'), int(2))])), '[a: 1, "b c": 2]');
  assert.is(inspect(list([tuple(atom('Elixir.Foo'), int(1))])), '[{Foo, 1}]');
  assert.is(inspect(list([tuple(atom('a'), int(1)), int(2)])), '[{:a, 1}, 2]');
  assert.is(inspect(ilist([int(1)], int(2))), '[1 | 2]');
  assert.is(inspect(ilist([int(1), int(2)], atom('t'))), '[1, 2 | :t]');
});

test('tuples', () => {
  assert.is(inspect(tuple()), '{}');
  assert.is(inspect(tuple(atom('a'), int(1))), '{:a, 1}');
});

test('maps: atom keys as keywords, any other key makes every pair use =>', () => {
  assert.is(inspect(mapOf([])), '%{}');
  assert.is(inspect(mapOf([[atom('b'), int(2)], [atom('a'), int(1)]])), '%{a: 1, b: 2}');
  assert.is(inspect(mapOf([[s('b'), int(2)], [atom('a'), int(1)]])), '%{:a => 1, "b" => 2}');
  assert.is(inspect(mapOf([[int(1), int(2)]])), '%{1 => 2}');
  assert.is(inspect(mapOf([[atom('Elixir.Foo'), int(1)]])), '%{Foo => 1}');
  assert.is(inspect(mapOf([[atom('with space'), int(1)]])), '%{"with space": 1}');
});

test('structs: loaded modules with %Mod{}, unloaded ones as maps', () => {
  const st = mapOf([[atom('__struct__'), atom('Elixir.T.S3')], [atom('b'), int(2)], [atom('a'), int(1)]]);
  assert.is(inspect(st), '%T.S3{a: 1, b: 2}');
  assert.is(inspect(st, { structLoaded: () => false }), '%{__struct__: T.S3, a: 1, b: 2}');
  const odd = mapOf([[atom('__struct__'), atom('Elixir.T.S3')], [s('x'), int(1)]]);
  assert.is(inspect(odd), '%{:__struct__ => T.S3, "x" => 1}', 'non-atom field: map form');
});

// --- identities ---------------------------------------------------------------------

test('pids, ports and refs: node index 0 locally, a stable index elsewhere', () => {
  const local = { t: 'pid', uid: 1, node: 'a@h', id: 123, creation: 1 } as const;
  assert.is(inspect(local, { localNode: 'a@h' }), '#PID<0.123.0>');
  assert.is(inspect(local, { nodeIndex: () => 7 }), '#PID<7.123.0>');
  const remote = inspect(local);
  assert.match(remote, /^#PID<[1-9]\d*\.123\.0>$/);
  assert.is(inspect(local), remote, 'stable');
  assert.is(inspect({ t: 'pid', uid: 2, node: 'nonode@nohost', id: 5, creation: 0 }), '#PID<0.5.0>');
  assert.is(inspect({ t: 'port', uid: 10, node: 'a@h' }, { localNode: 'a@h' }), '#Port<0.10>');
  assert.match(inspect({ t: 'ref', uid: 9, node: 'a@h' }, { localNode: 'a@h' }), /^#Reference<0\.\d+\.\d+\.9>$/);
  assert.match(inspect({ t: 'fun', name: '0.1234/1 in ZenMonitor.Local' }), /^#Function<.+>$/);
});

test('a realistic :DOWN', () => {
  const down = tuple(
    atom('DOWN'),
    { t: 'ref', uid: 9, node: 'a@h' },
    atom('process'),
    { t: 'pid', uid: 1, node: 'b@h', id: 77, creation: 1 },
    tuple(atom('zen_monitor'), atom('nodedown')),
  );
  const text = inspect(down, { localNode: 'a@h', nodeIndex: () => 12 });
  assert.is(text, '{:DOWN, #Reference<0.0.0.9>, :process, #PID<12.77.0>, {:zen_monitor, :nodedown}}');
  assert.is(inspect(float(1)), '1.0');
});

test.run();

// zensim's Truncator (core and the checker's oracle) and term sizes against the real
// ZenMonitor 2.1.0 on OTP 25.2.3, at inputs and compile-time settings the fixtures never
// covered (test/core/real_vectors.ts: 45 hand-picked terms, six Truncator builds). A
// differential run over 2,050 random terms (docs/real-library/pure/gen_terms.exs; results in
// docs/real-library/pure/results/) agreed on every truncation too; README "Calibration", "Terms
// measured on the real library".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromJSON, toJSON, type Labels } from '../../core/term_json.js';
import { truncate } from '../../core/truncator.js';
import { externalBytesTop, heapWords, termEquals, type Term } from '../../core/terms.js';
import { expectedTruncation } from '../../sim/check/oracle.js';
import { REAL_LOCAL_NODE, REAL_VECTORS, type RealVector } from './real_vectors.js';

/** Each real build's compile-time `truncation_depth` and `max_binary_size`. */
const BUILDS: Record<string, readonly [depth: number, maxBinarySize: number]> = {
  default: [3, 1024],
  depth1_max1024: [1, 1024],
  depth2_max1024: [2, 1024],
  depth5_max1024: [5, 1024],
  depth3_max100: [3, 100],
  depth3_max100000: [3, 100_000],
};

function labelsOf(v: RealVector): Labels {
  const labels: Labels = new Map();
  let uid = 0;
  for (const [label, info] of Object.entries(v.labels)) {
    uid++;
    const node = info.node ?? REAL_LOCAL_NODE;
    if (info.kind === 'pid') labels.set(label, { t: 'pid', uid, node, id: uid, creation: 0 });
    else if (info.kind === 'ref') labels.set(label, { t: 'ref', uid, node, alias: info.alias === true });
    else if (info.kind === 'port') labels.set(label, { t: 'port', uid, node });
    else labels.set(label, { t: 'fun', name: label });
  }
  return labels;
}

function decoded(v: RealVector): { input: Term; labels: Labels } {
  const labels = labelsOf(v);
  return { input: fromJSON(v.input, labels), labels };
}

for (const [build, [depth, maxBinarySize]] of Object.entries(BUILDS)) {
  test(`Truncator (${build}: truncation_depth ${depth}, max_binary_size ${maxBinarySize}): core and the oracle give the real output for every vector`, () => {
    for (const v of REAL_VECTORS) {
      const { input, labels } = decoded(v);
      const real = fromJSON(v.out[build], labels);
      const core = truncate(input, depth, maxBinarySize);
      assert.ok(termEquals(core, real), `core, ${v.id} (${v.real}): ${JSON.stringify(toJSON(core, labels))}, real ${JSON.stringify(v.out[build])}`);
      const oracle = expectedTruncation(input, depth, maxBinarySize);
      assert.ok(termEquals(oracle, real), `oracle, ${v.id} (${v.real}): ${JSON.stringify(toJSON(oracle, labels))}`);
    }
  });
}

test('Truncator builds: the cut-offs the variants move (max_binary_size 100: 100 bytes pass, 101 become 97 + "..."; a bitstring of 97 bytes and a bit is cut, one of 96 bytes and 7 bits is :truncated)', () => {
  const byId = (id: string) => REAL_VECTORS.find((v) => v.id === id) as RealVector;
  const size = (id: string, build: string) => {
    const out = fromJSON(byId(id).out[build]);
    return out.t === 'bin' ? out.bytes.length : out.t;
  };
  assert.equal([size('bin100', 'depth3_max100'), size('bin101', 'depth3_max100'), size('bits97_1', 'depth3_max100'), size('bits96_7', 'depth3_max100')], [100, 100, 100, 'atom']);
  assert.equal([size('bin100000', 'depth3_max100000'), size('bin100001', 'depth3_max100000'), size('bits99996_7', 'depth3_max100000')], [100_000, 100_000, 'atom']);
  assert.equal([size('bin1025', 'depth3_max100000'), size('bin1025', 'default')], [1025, 1024]);
});

/**
 * Where zensim's sizes knowingly differ from the real ones, with the real value:
 * - a map of more than 32 keys is a HAMT, sized at 1.7 words a key (its real size depends
 *   on the keys' hashes): `Map.new(1..33, &{&1, &1})` is 127 words, zensim 123;
 * - a fun's external form depends on its module, environment and node, which zensim's fun
 *   does not carry (40 bytes): `fn -> :ok end` in a script is 87 bytes, `&:erlang.self/0` 20;
 * - a bitstring built by appending bits to a binary is a sub-binary over a writable refc
 *   binary (11 words however short); zensim sizes the one decoded from the wire (8 words
 *   for 3 bits), what a remote DOWN's reason is.
 */
const KNOWN: Record<string, 'flatSize' | 'termToBinary'> = { map33: 'flatSize', fun0: 'termToBinary', export_fun: 'termToBinary', bits3_appended: 'flatSize' };

test('sizes: erts_debug:flat_size and term_to_binary of every vector, exactly (but the known differences)', () => {
  for (const v of REAL_VECTORS) {
    const { input } = decoded(v);
    if (KNOWN[v.id] !== 'flatSize') assert.is(heapWords(input, REAL_LOCAL_NODE) - 1, v.flatSize, `flat_size of ${v.id} (${v.real})`);
    if (KNOWN[v.id] !== 'termToBinary') assert.is(externalBytesTop(input), v.termToBinary, `term_to_binary of ${v.id} (${v.real})`);
  }
});

test('sizes: a fun is 5 words (erts_debug:flat_size of fn -> :ok end and of &:erlang.self/0 on erts 13.1.5)', () => {
  for (const id of ['fun0', 'export_fun']) {
    const v = REAL_VECTORS.find((x) => x.id === id) as RealVector;
    assert.is(v.flatSize, 5);
    assert.is(heapWords(decoded(v).input) - 1, 5, id);
  }
});

test('sizes: the known differences stay what they are (HAMT within 5%; a fun 40 bytes; an appended bitstring sized as decoded)', () => {
  const v = (id: string) => REAL_VECTORS.find((x) => x.id === id) as RealVector;
  const map33 = heapWords(decoded(v('map33')).input) - 1;
  assert.ok(Math.abs(map33 - 127) <= 0.05 * 127, `HAMT of 33 keys: ${map33} words, real 127`);
  assert.equal([v('fun0').termToBinary, v('export_fun').termToBinary, externalBytesTop(decoded(v('fun0')).input)], [87, 20, 41]);
  assert.equal([v('bits3_appended').flatSize, v('bits3_decoded').flatSize, heapWords(decoded(v('bits3_appended')).input) - 1], [11, 8, 8]);
});

test.run();

// The distribution's framing (sim/beam/wire.ts): header and atom cache, control messages,
// fragments. Expected sizes are worked out byte by byte from the OTP 25 formats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, bin, float, ilist, int, list, mapOf, tuple, type Pid, type Ref, type Term } from '../../../core/terms.js';
import { Monitor, MonitorEnd } from '../../../sim/beam/monitor.js';
import { Proc } from '../../../sim/beam/process.js';
import { AtomCache, AtomTable, Dist, encode, frameBytes, type Encoded } from '../../../sim/beam/wire.js';
import { A, B, connect, makeWorld, sleeper } from '../helpers.js';

const pidOn = (node: string, id = 1): Pid => ({ t: 'pid', uid: id, node, id, creation: 1 });
const refOn = (node: string): Ref => ({ t: 'ref', uid: 9, node });
/** An encoded message with its atoms as a list, in first-use order. */
const plain = (e: Encoded) => ({ ...e, atoms: [...e.atoms] });

test('control messages: MONITOR_P 55, DEMONITOR_P 55, PAYLOAD_MONITOR_P_EXIT 55 + reason, EXIT2 34 + reason, REG_SEND 23, LINK 34, UNLINK_ID 45', () => {
  const watcher = pidOn(A);
  const target = pidOn(B);
  const ref = refOn(A);
  const mon = Monitor.of(ref.uid, Proc.of(watcher, sleeper), target, null, MonitorEnd.Watcher);
  assert.equal(plain(encode({ kind: 'monitor', mon, target }, A)), { control: 2 + 2 + 15 + 15 + 21, payload: 0, atoms: [A, B] });
  assert.equal(encode({ kind: 'demonitor', ref, watcher, object: target }, A).control, 55);
  const named = encode({ kind: 'monitor', mon, target: { name: 'reg', node: B } }, A);
  assert.equal(plain(named), { control: 2 + 2 + 15 + 2 + 21, payload: 0, atoms: [A, 'reg'] }, 'a named target is its atom');
  const down = encode({ kind: 'down', ref, watcher, object: target, reason: atom('killed') }, B);
  assert.equal(plain(down), { control: 55, payload: 2, atoms: [B, A, 'killed'] });
  assert.equal(plain(encode({ kind: 'exit', to: target, from: undefined, reason: atom('kill'), link: false }, A)), { control: 34, payload: 2, atoms: [A, B, 'kill'] });
  assert.equal(plain(encode({ kind: 'send', to: { name: 'some_name', node: B }, msg: atom('hello') }, A)), {
    control: 2 + 2 + 15 + 2 + 2,
    payload: 2,
    atoms: [A, '', 'some_name', 'hello'],
  });
  assert.equal(encode({ kind: 'link', from: watcher, to: target }, A).control, 34);
  assert.equal(encode({ kind: 'unlink', from: watcher, to: target }, A).control, 45);
  assert.equal(encode({ kind: 'exit', to: target, from: watcher, reason: atom('normal'), link: true }, A).control, 34);
});

test('atoms: messages of one sequence share its set; one differing in any atom gets its own', () => {
  const exit = (from: string, reason: string) => encode({ kind: 'exit', to: pidOn(B), from: undefined, reason: atom(reason), link: false }, from).atoms;
  const first = exit(A, 'kill');
  assert.is(exit(A, 'kill'), first, 'the same sequence again: the same set');
  assert.equal([...exit(A, 'kilt')], [A, B, 'kilt'], 'the last atom differs');
  assert.equal([...exit(B, 'kill')], [B, 'kill'], 'shorter');
  assert.equal([...exit(A, 'kill')], [A, B, 'kill']);
  assert.is(exit(A, 'kill'), first, 'interned: the first set again');
  assert.equal([...exit('c@h', 'kill')], ['c@h', B, 'kill'], 'the first atom differs');
});

test('atoms: a message of many atoms counts each once, in first-use order, and shares its set with the same sequence again', () => {
  const names = Array.from({ length: 12 }, (_, i) => `a${i}`);
  const send = (last: string) => encode({ kind: 'send', to: pidOn(B), msg: tuple(...[...names, ...names, last].map((n) => atom(n))) }, A).atoms;
  const first = send('a3');
  assert.equal([...first], [A, B, ...names]);
  assert.is(send('a3'), first);
  assert.equal([...send('z')], [A, B, ...names, 'z'], 'one more');
  assert.equal([...send('a11')], [A, B, ...names]);
});

test('atoms: a measure that failed half-way leaves nothing the next message takes for its own', () => {
  encode({ kind: 'exit', to: pidOn(B), from: undefined, reason: atom('kill'), link: false }, A);
  const bad = { t: 'no such term' } as unknown as Term;
  assert.throws(() => encode({ kind: 'send', to: pidOn(B), msg: tuple(bad) }, A), /unreachable/, 'after its sender and receiver');
  assert.equal([...encode({ kind: 'link', from: pidOn(A), to: pidOn(B) }, A).atoms], [A, B], 'the atoms the failed one had met, and no more');
});

test('header: 131, 68, count, half a byte of flags per reference; a new entry writes its text once', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  const e = encode({ kind: 'exit', to: pidOn(B), from: undefined, reason: atom('kill'), link: false }, A);
  // First: 4 + 2 + 1 + flags 2 + three new entries (index, length, text: 1 + 1 + 3, 1 + 1 + 3, 1 + 1 + 4) + 36.
  assert.is(frameBytes(e, cache, table), 4 + 2 + 1 + 2 + 5 + 5 + 6 + 36);
  assert.is(frameBytes(e, cache, table), 4 + 2 + 1 + 2 + 3 + 36, 'then one byte per cached reference');
  const none = { control: 10, payload: 0, atoms: new Set<string>() };
  assert.is(frameBytes(none, cache, table), 4 + 3 + 10, 'no references: no flags');
});

test('atom cache: two atoms sharing a slot push each other out, so each use writes the text again', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  for (let i = 0; i < Dist.AtomCacheSlots; i++) table.of(`filler${i}`);
  table.of('x'); // index 2039: slot 0, the slot of filler0
  const uses = (name: string) => cache.refer(new Set([name]), table);
  assert.is(uses('x'), 1 + 1 + 1 + 1 + 1, 'count, flags, index, length, text');
  assert.is(uses('x'), 3);
  assert.is(uses('filler0'), 1 + 1 + 1 + 1 + 7);
  assert.is(uses('x'), 5, 'x was pushed out');
});

test('atom cache: a set sent again unchanged costs what a fresh count gives, also once a slot it used was taken', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  for (let i = 0; i < Dist.AtomCacheSlots; i++) table.of(`filler${i}`);
  table.of('x'); // slot 0, the slot of filler0
  const xs = new Set(['x', 'filler1']);
  const other = new Set(['filler0']);
  // What a count from the slots gives: the same atoms as a set not seen before.
  const fresh = () => cache.refer(new Set(xs), table);
  assert.is(cache.refer(xs, table), 1 + 2 + 2 + 2 + 1 + 7, 'both new');
  assert.is(cache.refer(xs, table), 1 + 2 + 2);
  assert.is(cache.refer(xs, table), 1 + 2 + 2, 'again, nothing changed');
  assert.is(cache.refer(other, table), 1 + 1 + 1 + 1 + 7, 'filler0 takes slot 0 from x');
  assert.is(cache.refer(xs, table), 1 + 2 + 2 + 1 + 1, 'x is written again');
  assert.is(cache.refer(xs, table), fresh());
  assert.is(cache.refer(other, table), 1 + 1 + 1 + 1 + 7, 'and pushes filler0 out in turn');
  assert.is(cache.refer(other, table), 3);
  assert.is(cache.refer(xs, table), 1 + 2 + 2 + 1 + 1);
});

test('atom cache: at most 255 references a message; the rest are written inline each time', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  const atoms = new Set(Array.from({ length: Dist.MaxCacheRefs + 2 }, (_, i) => `k${i}`));
  const inline = 'k255'.length + 'k256'.length;
  const texts = [...atoms].slice(0, Dist.MaxCacheRefs).reduce((n, a) => n + 1 + a.length, 0);
  assert.is(cache.refer(atoms, table), 1 + (255 >> 1) + 1 + 255 + texts + inline, 'new: each entry writes its length and text');
  assert.is(cache.refer(atoms, table), 1 + (255 >> 1) + 1 + 255 + inline, 'cached: the two past the 255th are inline again');
});

test('atom cache: an atom past the 255th longer than 255 bytes is inline as ATOM_UTF8_EXT (a 2-byte length)', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  const long = 'é'.repeat(150); // 300 bytes of UTF-8
  const atoms = new Set([...Array.from({ length: Dist.MaxCacheRefs }, (_, i) => `k${i}`), long]);
  const texts = [...atoms].slice(0, Dist.MaxCacheRefs).reduce((n, a) => n + 1 + a.length, 0);
  // The measure counted a 2-byte reference for it; inline it is 3 + 300 bytes.
  assert.is(cache.refer(atoms, table), 1 + (255 >> 1) + 1 + 255 + texts + 301);
});

test('atom cache: an atom longer than 255 bytes makes every new entry take a 2-byte length', () => {
  const cache = new AtomCache();
  const long = 'a'.repeat(300);
  assert.is(cache.refer(new Set(['b', long]), new AtomTable()), 1 + 2 + 2 + 2 * 2 + 1 + 300);
});

test('fragments: a message of 64 KiB or more travels as 64 KiB fragments, each a packet with an 18-byte header', () => {
  const cache = new AtomCache();
  const table = new AtomTable();
  cache.refer(new Set([A, B]), table);
  const send = (bytes: number) => encode({ kind: 'send', to: pidOn(B), msg: bin(new Uint8Array(bytes)) }, A);
  const small = send(65_536 - 34 - 5 - 1);
  assert.is(small.control + small.payload, 65_535);
  assert.is(frameBytes(small, cache, table), 4 + 18 + 5 + 65_535, "a@h and b@h's text put the sender's estimate over 64 KiB");
  const two = send(65_536 - 34 - 5 + 1);
  assert.is(frameBytes(two, cache, table), 2 * 4 + 18 + 5 + 18 + 65_537);
  const list100k = encode({ kind: 'send', to: pidOn(B), msg: list(Array.from({ length: 50_000 }, () => atom('z'))) }, A);
  assert.is(list100k.control + list100k.payload, 34 + 5 + 100_000 + 1);
  // Count 1, flags 2, three references, z new (length 1, text 1).
  assert.is(frameBytes(list100k, cache, table), 2 * 4 + 18 + (1 + 2 + 3 + 1 + 1) + 18 + 100_040, 'z is new');
});

test('fragments at the 64 KiB edges: bytes and packets as OTP 25.2.3 (erts 13.1.5) sent them', () => {
  // Measured with inet:getstat on a's dist port to b (a@127.0.0.1 and b@127.0.0.1 on
  // loopback, both node names cached): `send(pid_on_b, binary of n bytes)` is SEND_SENDER
  // (34 bytes) and BINARY_EXT (5 + n). Real [bytes, packets] per n:
  const real: [number, number, number][] = [
    [65_400, 65_450, 1],
    [65_475, 65_525, 1], // control and payload 65,514: the estimate (node names at full text, 22 more) is 64 KiB exactly
    [65_476, 65_542, 1], // one byte more: over 64 KiB by the estimate, so the 18-byte fragmented header, one packet
    [65_497, 65_563, 1], // control and payload exactly 64 KiB: one packet (this counted two)
    [65_498, 65_586, 2],
    [131_033, 131_121, 2], // exactly 128 KiB: two packets (this counted three)
    [131_066, 131_176, 3], // payload under 128 KiB, but not with the control
    [196_600, 196_732, 4],
  ];
  const [a, b] = ['a@127.0.0.1', 'b@127.0.0.1'];
  const cache = new AtomCache();
  const table = new AtomTable();
  cache.refer(new Set([a, b]), table);
  for (const [n, bytes, packets] of real) {
    const e = encode({ kind: 'send', to: pidOn(b), msg: bin(new Uint8Array(n)) }, a);
    assert.is(frameBytes(e, cache, table), bytes, `a ${n}-byte binary: ${packets} packet(s)`);
  }
  // REG_SEND to :zz (control 23; a@127.0.0.1, '' and zz: 13 bytes of text): real 65,535 / 65,552 bytes.
  const named = (n: number) => encode({ kind: 'send', to: { name: 'zz', node: b }, msg: bin(new Uint8Array(n)) }, a);
  cache.refer(new Set([a, '', 'zz']), table);
  assert.is(frameBytes(named(65_495), cache, table), 65_535);
  assert.is(frameBytes(named(65_496), cache, table), 65_552);
});

test('a DOWN with an odd reason: 146 bytes on the wire once its atoms are cached (measured on OTP 25.2.3)', () => {
  const [a, b] = ['a@127.0.0.1', 'b@127.0.0.1'];
  // {:"日本", ~c"abc", -5, 2**70, 1.5, [1 | 2], %{a: %{b: 1}}, pid_on_a}: 2 + 2 + STRING_EXT 6 +
  // INTEGER_EXT 5 + SMALL_BIG_EXT 12 + NEW_FLOAT_EXT 9 + LIST_EXT 9 + MAP_EXT 16 + pid 15 = 76.
  const reason = tuple(
    atom('日本'),
    list([int(97), int(98), int(99)]),
    int(-5),
    int(1n << 70n),
    float(1.5),
    ilist([int(1)], int(2)),
    mapOf([[atom('a'), mapOf([[atom('b'), int(1)]])]]),
    pidOn(a, 7),
  );
  const e = encode({ kind: 'down', ref: refOn(a), watcher: pidOn(a), object: pidOn(b), reason }, b);
  assert.is(e.payload, 76);
  const cache = new AtomCache();
  const table = new AtomTable();
  // First: each atom's length and text (the real first one, node names cached, was 146 + 11).
  assert.is(frameBytes(e, cache, table), 146 + 2 * (1 + 11) + (1 + 6) + 2 * (1 + 1));
  assert.is(frameBytes(e, cache, table), 146);
});

test('a new connection starts with empty atom caches: its first message writes the node names again', () => {
  const w = makeWorld();
  connect(w, A, B);
  const r = w.spawn(B, sleeper);
  const sent = () => w.net.traffic.get(`${A}->${B}`)?.bytes ?? 0;
  const runFor = (us: number) => w.kernel.run({ untilUs: w.nowUs + us });
  w.send(r, atom('ping'), A);
  w.send(r, atom('ping'), A);
  runFor(10_000);
  const cached = 4 + 2 + 1 + 2 + 3 + 34 + 2;
  const fresh = cached + 2 * (1 + 3) + (1 + 4);
  assert.is(sent(), fresh + cached);
  w.net.disconnect(A, B);
  connect(w, A, B);
  w.send(r, atom('ping'), A);
  runFor(10_000);
  assert.is(sent(), 2 * fresh + cached);
});

test.run();

// Targets, DOWN messages, the term each message stands for, and message sizes: the
// O(n) size functions must equal measuring the built term with core/terms.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  callExitReason,
  callMessage,
  downToTerm,
  isDestination,
  msgHeapWords,
  msgRefcBinaries,
  msgToTerm,
  msgDistBytes,
  distTermBytes,
  namedTarget,
  targetKey,
  targetNode,
  zenDown,
  type Dispatch,
  type Msg,
} from '../../core/messages.js';
import { inspect } from '../../core/inspect.js';
import {
  atom,
  bin,
  externalBytes,
  externalBytesTop,
  float,
  heapWords,
  int,
  list,
  mapOf,
  refcBinaries,
  termEquals,
  tuple,
  type Term,
} from '../../core/terms.js';
import { A, B, dispatchOf, pid, ref } from './zen_fixtures.js';

test('isDestination accepts pids, atoms and {atom, atom} only', () => {
  assert.ok(isDestination(pid(A)));
  assert.ok(isDestination(atom('name')));
  assert.ok(isDestination(namedTarget('name', B)));
  for (const bad of [int(1), tuple(atom('a')), tuple(atom('a'), int(1)), tuple(atom('a'), atom('b'), atom('c')), ref(), list([])]) {
    assert.not.ok(isDestination(bad), inspect(bad));
  }
});

test('targetNode is find_node/1', () => {
  assert.is(targetNode(pid(B), A), B);
  assert.is(targetNode(atom('name'), A), A);
  assert.is(targetNode(namedTarget('name', B), A), B);
});

test('targetKey: equal targets, equal keys; different targets, different keys', () => {
  const p = pid(A);
  assert.is(targetKey(p), p.uid);
  assert.is(targetKey(namedTarget('x', B)), targetKey(namedTarget('x', B)));
  const keys = [atom('x'), atom('y'), namedTarget('x', B), namedTarget('x', A), namedTarget('y', B), pid(A)].map(targetKey);
  assert.is(new Set(keys).size, keys.length);
});

test('downToTerm is {:DOWN, ref, :process, object, {:zen_monitor, reason}}', () => {
  const r = ref();
  const target = pid(B);
  const down = zenDown(r, target, atom('killed'));
  assert.ok(termEquals(downToTerm(down), tuple(atom('DOWN'), r, atom('process'), target, tuple(atom('zen_monitor'), atom('killed')))));
});

test('callExitReason maps :noconnection to {:nodedown, node}, passes the rest', () => {
  assert.ok(termEquals(callExitReason(atom('noconnection'), B), tuple(atom('nodedown'), atom(B))));
  assert.is(callExitReason(atom('noproc'), B), atom('noproc'));
});

test('callMessage gives the callee its request with the from', () => {
  const from = { pid: pid(A), tag: ref() };
  assert.equal(callMessage({ kind: 'ping' }, from), { kind: 'ping', from });
  assert.equal(callMessage({ kind: 'connect' }, from), { kind: 'connect', from });
});

test('msgToTerm builds the Elixir messages', () => {
  const connector = pid(A);
  const target = pid(B);
  const process = msgToTerm({ kind: 'process', connector, instructions: [{ op: 'subscribe', target }] });
  assert.ok(termEquals(process, tuple(atom('$gen_cast'), tuple(atom('process'), connector, list([tuple(atom('subscribe'), target)])))));
  const from = { pid: pid(A), tag: ref() };
  const ping = msgToTerm({ kind: 'ping', from });
  assert.ok(termEquals(ping, tuple(atom('$gen_call'), tuple(from.pid, { t: 'ilist', v: [atom('alias')], tail: from.tag }), atom('ping'))));
  const dead = msgToTerm({ kind: 'dead', node: B, certificates: [{ pid: target, reason: atom('killed') }] });
  assert.ok(termEquals(dead, tuple(atom('dead'), atom(B), list([tuple(target, atom('killed'))]))));
  assert.ok(termEquals(msgToTerm({ kind: 'sweep' }), atom('sweep')));
});

// --- sizes ------------------------------------------------------------------------------

const big = bin(new Uint8Array(1024).fill(97));
const small = bin(new Uint8Array(10).fill(98));

function reasons(): Term[] {
  return [
    atom('killed'),
    tuple(atom('shutdown'), big),
    mapOf([[atom('k'), float(1.5)]]),
    list([int(1), int(2n ** 70n), small]),
    int(300),
  ];
}

function dispatches(n: number, reason: Term): Dispatch[] {
  const sub = pid(A);
  return Array.from({ length: n }, (_, i) => dispatchOf(sub, ref(A), i % 2 === 0 ? pid(B) : namedTarget('w', B), reason));
}

function sampleMessages(): Msg[] {
  const from = { pid: pid(A), tag: ref(A) };
  const connector = pid(A);
  const out: Msg[] = [
    { kind: 'monitor', target: pid(B), ref: ref(A), subscriber: pid(A) },
    { kind: 'monitor', target: namedTarget('worker', B), ref: ref(A), subscriber: pid(A) },
    { kind: 'demonitor', target: atom('worker'), ref: ref(A) },
    { kind: 'sweep' },
    { kind: 'generate_demand' },
    { kind: 'connect', from },
    { kind: 'ping', from },
    { kind: 'nodedown', node: B },
    { kind: 'monitor_subscriber', subscriber: pid(A) },
    { kind: 'ask', n: 1000, from },
    { kind: 'ask', n: 100_000, from },
    { kind: 'reply', tag: ref(A), value: atom('pong') },
    { kind: 'process', connector, instructions: [] },
    {
      kind: 'process',
      connector,
      instructions: [
        { op: 'subscribe', target: pid(B) },
        { op: 'unsubscribe', target: namedTarget('worker', B) },
        { op: 'subscribe', target: atom('x') },
      ],
    },
    // Ops and their pids' nodes changing along a batch (its sum measures each again only when it changes).
    {
      kind: 'process',
      connector,
      instructions: [
        { op: 'subscribe', target: pid(B) },
        { op: 'subscribe', target: pid(B) },
        { op: 'subscribe', target: pid(A) },
        { op: 'unsubscribe', target: pid(A) },
        { op: 'unsubscribe', target: namedTarget('w', B) },
        { op: 'unsubscribe', target: pid(A) },
        { op: 'subscribe', target: pid(B) },
      ],
    },
    { kind: 'subscribe', connector, targets: [] },
    { kind: 'subscribe', connector, targets: [pid(B), atom('x'), namedTarget('y', B)] },
    { kind: 'enqueue', dispatches: [] },
    { kind: 'events', events: [], from },
    { kind: 'dead', node: B, certificates: [] },
    // Subscribers and reasons changing along a batch (a batch's sum measures each again only when it changes).
    {
      kind: 'events',
      events: [
        dispatchOf(pid(A), ref(A), pid(B), atom('noproc')),
        dispatchOf(pid(A), ref(A), pid(B), atom('noproc')),
        dispatchOf(pid(B), ref(A), namedTarget('w', B), atom('noproc')),
        dispatchOf(pid(B), ref(A), pid(B), tuple(atom('zen_monitor'), atom('nodedown'))),
        dispatchOf(pid(A), ref(B), pid(A), tuple(atom('zen_monitor'), atom('nodedown'))),
        dispatchOf(pid(A), ref(B), pid(A), atom('killed')),
        // A ref's alias word, on and off within one node; pid objects of one node and the other.
        dispatchOf(pid(A), { ...ref(A), alias: true }, pid(B), atom('killed')),
        dispatchOf(pid(A), { ...ref(A), alias: true }, pid(B), atom('killed')),
        dispatchOf(pid(A), ref(A), pid(A), atom('killed')),
        dispatchOf(pid(A), { ...ref(B), alias: true }, pid(B), atom('killed')),
      ],
      from,
    },
  ];
  for (const reason of reasons()) {
    out.push({ kind: 'DOWN', ref: ref(B), object: pid(B), reason });
    out.push({ kind: 'other', term: tuple(atom('stray'), reason) });
    out.push({ kind: 'reply', tag: ref(A), value: reason });
    out.push({ kind: 'enqueue', pid: pid(B), reason });
    out.push({ kind: 'enqueue', dispatches: dispatches(3, reason) });
    out.push({ kind: 'events', events: dispatches(4, reason), from });
    out.push({ kind: 'dead', node: B, certificates: [{ pid: pid(B), reason }, { pid: namedTarget('w', B), reason: atom('noproc') }] });
  }
  return out;
}

test('msgHeapWords equals heapWords of the built term, on the local and on a remote node', () => {
  for (const msg of sampleMessages()) {
    const term = msgToTerm(msg);
    for (const node of [A, B]) {
      assert.is(msgHeapWords(msg, node), heapWords(term, node), `${msg.kind} on ${node}: ${inspect(term)}`);
    }
  }
});

test('distTermBytes of a pid, ref or port alone: its external format with its node atom a 2-byte cache reference, the node collected', () => {
  const terms: Term[] = [pid(B), ref(A), { ...ref(B), alias: true }, { t: 'port', uid: 7, node: B }];
  for (const t of terms) {
    const atoms = new Set<string>();
    assert.is(distTermBytes(t, atoms), externalBytes(t, () => 2), inspect(t));
    assert.equal([...atoms], [(t as { node: string }).node], inspect(t));
  }
});

test('msgDistBytes equals the distribution encoding of the built term, atoms as 2-byte cache references, collected once each', () => {
  for (const msg of sampleMessages()) {
    const term = msgToTerm(msg);
    const fromMsg = new Set<string>();
    const fromTerm = new Set<string>();
    assert.is(msgDistBytes(msg, fromMsg), distTermBytes(term, fromTerm), `${msg.kind}: ${inspect(term)}`);
    assert.equal([...fromMsg].sort(), [...fromTerm].sort(), msg.kind);
    // Each atom occurrence is 2 bytes instead of its full text (term_to_binary, less its version byte).
    let full = 0;
    let refs = 0;
    const count = (t: Term): void => {
      if (t.t === 'atom') (full += externalBytes(t), (refs += 2));
      else if (t.t === 'pid' || t.t === 'ref' || t.t === 'port') (full += externalBytes(atom(t.node)), (refs += 2));
      else if (t.t === 'tuple' || t.t === 'list') t.v.forEach(count);
      else if (t.t === 'ilist') (t.v.forEach(count), count(t.tail));
      else if (t.t === 'map') t.v.forEach(([k, v]) => (count(k), count(v)));
    };
    count(term);
    assert.is(distTermBytes(term, new Set()), externalBytesTop(term) - 1 - full + refs, msg.kind);
  }
});

test('distTermBytes: a pid is 15 bytes, a ref 21, an atom 2, with the node names and atoms collected', () => {
  const atoms = new Set<string>();
  assert.is(distTermBytes(pid(B), atoms), 15, 'NEW_PID_EXT: tag, node ref, id, serial, creation');
  assert.is(distTermBytes(ref(A), atoms), 21, 'NEWER_REFERENCE_EXT with 3 id words');
  assert.is(distTermBytes(atom('killed'), atoms), 2);
  assert.equal([...atoms], [B, A, 'killed']);
});

test('msgRefcBinaries equals refcBinaries of the built term (a shared binary counts once)', () => {
  for (const msg of sampleMessages()) {
    assert.equal(msgRefcBinaries(msg), refcBinaries(msgToTerm(msg)), msg.kind);
  }
  const shared = { kind: 'enqueue', dispatches: dispatches(5, tuple(atom('shutdown'), big)) } as const;
  assert.equal([...(msgRefcBinaries(shared)?.values() ?? [])], [1024]);
  const distinct: Msg = { kind: 'dead', node: B, certificates: [{ pid: pid(B), reason: bin(new Uint8Array(100)) }, { pid: pid(B), reason: bin(new Uint8Array(100)) }] };
  assert.equal([...(msgRefcBinaries(distinct)?.values() ?? [])], [100, 100]);
  assert.is(msgRefcBinaries({ kind: 'sweep' }), undefined);
});

test("a list's heap words are kept once summed: the same list in another message, on either node, again and again, still matches the term", () => {
  const from = { pid: pid(A), tag: ref(A) };
  const batch = dispatches(7, tuple(atom('zen_monitor'), atom('nodedown')));
  const messages: Msg[] = [
    { kind: 'enqueue', dispatches: batch },
    { kind: 'events', events: batch, from },
  ];
  for (let round = 0; round < 2; round++) {
    for (const msg of messages) {
      for (const node of [A, B]) assert.is(msgHeapWords(msg, node), heapWords(msgToTerm(msg), node), `${msg.kind} on ${node}, round ${round}`);
      // The dist measure keeps no sums: it collects the list's atoms at every walk.
      const atoms = new Set<string>();
      msgDistBytes(msg, atoms);
      assert.ok(atoms.has('nodedown'), `${msg.kind}, round ${round}`);
    }
  }
});

test('sizes of a 20,000-dispatch enqueue match the term', () => {
  const msg: Msg = { kind: 'enqueue', dispatches: dispatches(20_000, tuple(atom('zen_monitor'), atom('nodedown'))) };
  const term = msgToTerm(msg);
  assert.is(msgHeapWords(msg, A), heapWords(term, A));
  assert.is(msgDistBytes(msg, new Set()), distTermBytes(term, new Set()));
});

test.run();

// A message's envelope (sim/beam/memory.ts `envelopeOf`) and a send prepared for the wire
// (sim/beam/dist.ts `prepare`), made by `new` so that V8 never pretenures their allocation
// sites, hold the fields their literals held, with the same measures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, tuple } from '../../../core/terms.js';
import { At } from '../../../sim/beam/held.js';
import { envelope } from '../../../sim/beam/memory.js';
import { kindOf, wordsOf } from '../../../sim/beam/sizes.js';
import { encode } from '../../../sim/beam/wire.js';
import { A, B, makeWorld } from '../helpers.js';

test('an envelope holds msg, words, carry, at and kind, as a literal did', () => {
  const msg = tuple(atom('work'), atom('now'));
  const local = envelope(msg, 'a@h');
  assert.equal(Object.keys(local), ['msg', 'words', 'carry', 'at', 'kind']);
  assert.equal({ ...local }, { msg, words: wordsOf(msg, kindOf(msg), 'a@h') - 1, carry: 0, at: 0, kind: kindOf(msg) });
  const remote = envelope(msg, 'a@h', 40);
  assert.equal({ ...remote }, { ...local, carry: 40, at: At.Remote });
});

test('a prepared send holds its ends, message and measures, as encode gives them into a literal', () => {
  const w = makeWorld();
  const m = { kind: 'send' as const, to: { name: 'ZenMonitor.Proxy', node: B }, msg: tuple(atom('ping'), atom('now')) };
  const d = w.dist.prepare(A, B, m, false);
  const expected = { from: A, to: B, m, noconnect: false, ...encode(m, A) };
  assert.equal({ ...d }, expected);
  assert.equal([...d.atoms], [...expected.atoms]);
});

test.run();

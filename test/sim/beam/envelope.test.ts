// A message's envelope (sim/beam/memory.ts `envelopeOf`, made by `new` so that V8 never
// pretenures its allocation site) holds the five fields an envelope literal held, in
// their order, with the message's words, wire bytes and place before arrival.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atom, tuple } from '../../../core/terms.js';
import { At } from '../../../sim/beam/held.js';
import { envelope } from '../../../sim/beam/memory.js';
import { kindOf, wordsOf } from '../../../sim/beam/sizes.js';

test('an envelope holds msg, words, carry, at and kind, as a literal did', () => {
  const msg = tuple(atom('work'), atom('now'));
  const local = envelope(msg, 'a@h');
  assert.equal(Object.keys(local), ['msg', 'words', 'carry', 'at', 'kind']);
  assert.equal({ ...local }, { msg, words: wordsOf(msg, kindOf(msg), 'a@h') - 1, carry: 0, at: 0, kind: kindOf(msg) });
  const remote = envelope(msg, 'a@h', 40);
  assert.equal({ ...remote }, { ...local, carry: 40, at: At.Remote });
});

test.run();

// The digests (sim/run/digest.ts): FNV-1a 64 against the published test vectors and a
// 64-bit BigInt reference; SHA-256 against its standard vector.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fnv1a64Hex, sha256Hex } from '../../../sim/run/digest.js';

/** FNV-1a 64 written with 64-bit integers, as the definition reads. */
function reference(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

test('fnv1a64Hex gives the published FNV-1a 64 vectors', () => {
  const of = (text: string) => fnv1a64Hex(Buffer.from(text));
  assert.is(of(''), 'cbf29ce484222325');
  assert.is(of('a'), 'af63dc4c8601ec8c');
  assert.is(of('foobar'), '85944171f73967e8');
});

test('fnv1a64Hex equals the 64-bit reference on every byte value and length', () => {
  for (let n = 0; n < 300; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 0xff);
    const want = reference(bytes);
    assert.is(fnv1a64Hex(bytes), want, `${n} bytes`);
  }
});

test('sha256Hex gives the standard SHA-256 of "abc", from text and from bytes', () => {
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  assert.is(sha256Hex('abc'), abc);
  assert.is(sha256Hex(new TextEncoder().encode('abc')), abc);
});

test.run();

// Output files: a short write is carried on to the end; an error (a full disk) is one
// line naming the file and leaves nothing behind, neither the file nor its temporary;
// an append-only file never holds a torn line; temporaries still open are removed by
// `discardPending` (what the CLI's signal handlers call).
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppendFile, discardPending, PendingFile, writeAll, writeAtomic, type FileIo } from '../../../sim/report/output.js';
import { InputError } from '../../../sim/run/params.js';

const dir = mkdtempSync(join(tmpdir(), 'zensim-output-'));

/** Real writes, at most `chunk` bytes each; after `failAfter` bytes, ENOSPC. */
function flaky(chunk: number, failAfter = Infinity): FileIo & { calls: number } {
  let written = 0;
  const io = {
    calls: 0,
    writeSync: (fd: number, buf: Uint8Array, off: number, len: number): number => {
      io.calls++;
      if (written >= failAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = writeSync(fd, buf, off, Math.min(len, chunk, failAfter - written));
      written += n;
      return n;
    },
  };
  return io;
}

test('short writes are carried on to the end', () => {
  const f = join(dir, 'short.txt');
  const io = flaky(7);
  writeAtomic(f, 'x'.repeat(100), io);
  assert.is(readFileSync(f, 'utf8'), 'x'.repeat(100));
  assert.is(io.calls, 15);
  const fd = openSync(join(dir, 'zero.txt'), 'w');
  try {
    assert.throws(() => writeAll(fd, Buffer.from('abc'), { writeSync: () => 0 }), /no progress/);
  } finally {
    closeSync(fd);
  }
});

test('a full disk: one line naming the file, nothing left behind (no file, no temporary)', () => {
  const sub = mkdtempSync(join(dir, 'full-'));
  const f = join(sub, 'out.json');
  try {
    writeAtomic(f, 'y'.repeat(5000), flaky(1000, 2500));
    assert.unreachable('the write should fail');
  } catch (e) {
    assert.instance(e, InputError);
    assert.is((e as Error).message, `cannot write ${f}: no space left on device (ENOSPC)`);
  }
  assert.equal(readdirSync(sub), []);
  // The real thing: /dev/full refuses every write.
  const fd = openSync('/dev/full', 'w');
  try {
    assert.throws(() => writeAll(fd, Buffer.from('z')), /ENOSPC/);
  } finally {
    closeSync(fd);
  }
});

test('an existing file is kept whole when its replacement cannot be written', () => {
  const f = join(dir, 'keep.json');
  writeFileSync(f, 'the old one');
  assert.throws(() => writeAtomic(f, 'n'.repeat(100), flaky(10, 50)), (e: unknown) => e instanceof InputError);
  assert.is(readFileSync(f, 'utf8'), 'the old one');
  assert.not.ok(readdirSync(dir).some((x) => x.endsWith('.tmp')));
});

test('an append-only file gets whole lines or nothing: a failed append is cut back', () => {
  const f = join(dir, 'results.jsonl');
  writeFileSync(f, '{"a":1}\n');
  const ok = new AppendFile(f);
  ok.append('{"b":2}\n');
  ok.close();
  const failing = new AppendFile(f, flaky(4, 6));
  assert.throws(() => failing.append('{"c":3333333}\n'), (e: unknown) => e instanceof InputError && /cannot write .*results\.jsonl: no space left on device \(ENOSPC\)/.test((e as Error).message));
  failing.close();
  assert.is(readFileSync(f, 'utf8'), '{"a":1}\n{"b":2}\n');
});

test('discardPending removes the temporaries of files still being written', () => {
  const sub = mkdtempSync(join(dir, 'sig-'));
  const a = new PendingFile(join(sub, 'trace.jsonl'));
  a.write('x'.repeat(2 << 20));
  const b = new PendingFile(join(sub, 'p.json'));
  assert.is(readdirSync(sub).length, 2);
  discardPending();
  assert.equal(readdirSync(sub), []);
  assert.not.ok(existsSync(join(sub, 'trace.jsonl')));
  b.discard();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

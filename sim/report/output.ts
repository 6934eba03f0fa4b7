// The report layer (sim/report): output files written whole (this file), the HTML
// report (html.ts) and the Perfetto trace (perfetto.ts). It may import the run layer
// and those below it (zen/, beam/, engine/, core/); never check/, plan/ or the CLI.
//
// Writing output files without ever leaving half of one behind: each file is written
// to a temporary sibling and renamed into place when complete; every write is checked
// (a short write is retried to the end, an error such as a full disk ends in one line
// naming the file, and the temporary is removed); temporaries still open when the
// process is interrupted are removed by `discardPending` (the CLI's signal handlers).
// An append-only file (plan's results.jsonl) gets whole lines or nothing. Paths are
// checked before any work starts.
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../run/params.js';

/**
 * Creates `dir` and its missing parents, one level at a time: Node 20's
 * `mkdirSync(dir, { recursive: true })` loops forever where a level cannot be made and
 * mkdir answers ENOENT under a parent that exists (`/proc/x`). Throws mkdir's error.
 * Returns the outermost directory it made (removing it undoes the call), undefined when
 * `dir` was there.
 */
export function makeDirs(dir: string): string | undefined {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let d = abs; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
  return missing[0];
}

/**
 * An output flag's value, a file or directory name: not empty, and not `-`, which means
 * stdout only where an output can go there (`run --json -`, handled by its caller).
 */
export function outputName(value: unknown, flag: string, what: 'file' | 'directory'): string {
  const name = String(value);
  if (name === '') throw new InputError(`${flag} needs a ${what} name`);
  if (name === '-') throw new InputError(`${flag} -: this output cannot go to stdout (only run --json - can); name a ${what} (./- for one named -)`);
  return name;
}

/** Fails with one line if `file`'s directory does not exist or `file` is a directory. */
export function checkWritable(file: string, flag: string): void {
  const abs = resolve(file);
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new InputError(`${flag} ${file}: directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${file}: ${dir} is not a directory`);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new InputError(`${flag} ${file}: is a directory`);
  const probe = `${abs}.${process.pid}.probe`;
  try {
    closeSync(openSync(probe, 'w'));
    rmSync(probe);
  } catch {
    throw new InputError(`${flag} ${file}: cannot write there`);
  }
}

/** The file operations output files use (tests swap in failing ones). */
export type FileIo = {
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number) => number;
};
const NODE_IO: FileIo = { writeSync: (fd, buf, offset, length) => writeSync(fd, buf, offset, length) };

/** `e` (an fs error) as one line naming `path`: `cannot write out.json: no space left on device (ENOSPC)`. */
export function writeError(path: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const text = String((e as Error).message ?? e).split('\n')[0] as string;
  // Node's fs errors read `ENOSPC: no space left on device, write`.
  const m = /^([A-Z][A-Z0-9]+): (.*?)(?:, \w+(?: '.*')?)?$/.exec(text);
  return new InputError(`cannot write ${path}: ${m === null ? text : `${m[2]} (${m[1]})`}`);
}

/** Writes all of `buf` to `fd`, retrying short writes; a write that makes no progress is an error. */
export function writeAll(fd: number, buf: Uint8Array, io: FileIo = NODE_IO): void {
  let off = 0;
  while (off < buf.length) {
    const n = io.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw Object.assign(new Error('the write made no progress (device full?)'), { code: 'EIO' });
    off += n;
  }
}

/** Temporaries of files being written, removed if the process is interrupted. */
const pending = new Set<PendingFile>();

/** Removes every temporary still being written (for signal handlers; synchronous). */
export function discardPending(): void {
  for (const f of [...pending]) f.discard();
}

/** A file being written: appended to, then committed (renamed into place) or discarded. */
export class PendingFile {
  private readonly tmp: string;
  private fd: number;
  private buf: string[] = [];
  private bufLen = 0;

  constructor(
    readonly path: string,
    private readonly io: FileIo = NODE_IO,
  ) {
    this.tmp = `${resolve(path)}.${process.pid}.tmp`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw writeError(path, e);
    }
    pending.add(this);
  }

  write(text: string): void {
    this.buf.push(text);
    this.bufLen += text.length;
    if (this.bufLen > 1 << 20) this.flush();
  }

  /** Writes what is buffered and renames the file into place; on any error, removes it and throws one line. */
  commit(): void {
    try {
      this.flush();
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmp, this.path);
      pending.delete(this);
    } catch (e) {
      this.discard();
      throw writeError(this.path, e);
    }
  }

  discard(): void {
    pending.delete(this);
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // Closing a file we are throwing away: nothing to report.
      }
    }
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    try {
      writeAll(this.fd, Buffer.from(text), this.io);
    } catch (e) {
      this.discard();
      throw writeError(this.path, e);
    }
  }
}

/** Writes `text` to `path` atomically. */
export function writeAtomic(path: string, text: string, io: FileIo = NODE_IO): void {
  const f = new PendingFile(path, io);
  try {
    f.write(text);
    f.commit();
  } catch (e) {
    f.discard();
    throw e;
  }
}

/**
 * An append-only file of lines: each `append` writes whole lines or, on an error, cuts
 * the file back to where it was and throws one line, so it never holds a torn line.
 */
export class AppendFile {
  private readonly fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly io: FileIo = NODE_IO,
  ) {
    try {
      this.fd = openSync(path, 'a');
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw writeError(path, e);
    }
  }

  append(text: string): void {
    const buf = Buffer.from(text);
    try {
      writeAll(this.fd, buf, this.io);
      this.size += buf.length;
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The error that matters is the write's.
      }
      throw writeError(this.path, e);
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch (e) {
      throw writeError(this.path, e);
    }
  }
}

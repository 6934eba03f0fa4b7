// The report layer (sim/report): output files written whole (this file), the HTML
// report (html.ts) and the Perfetto trace (perfetto.ts). It may import the run layer
// and those below it (zen/, beam/, engine/, core/); never check/, plan/ or the CLI.
//
// Writing output files without ever leaving half of one behind: each file is written
// to a temporary sibling and renamed into place when complete; a failed run removes
// its temporaries. Paths are checked before any work starts.
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../run/params.js';

/** Fails with one line if `file`'s directory does not exist or `file` is a directory. */
export function checkWritable(file: string, flag: string): void {
  const abs = resolve(file);
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${flag} ${file}: directory ${dir} does not exist`);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new InputError(`${flag} ${file}: is a directory`);
  const probe = `${abs}.${process.pid}.probe`;
  try {
    closeSync(openSync(probe, 'w'));
    rmSync(probe);
  } catch {
    throw new InputError(`${flag} ${file}: cannot write there`);
  }
}

/** A file being written: appended to, then committed (renamed into place) or discarded. */
export class PendingFile {
  private readonly tmp: string;
  private fd: number;
  private buf: string[] = [];
  private bufLen = 0;

  constructor(readonly path: string) {
    this.tmp = `${resolve(path)}.${process.pid}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(text: string): void {
    this.buf.push(text);
    this.bufLen += text.length;
    if (this.bufLen > 1 << 20) this.flush();
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
  }

  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bufLen = 0;
  }
}

/** Writes `text` to `path` atomically. */
export function writeAtomic(path: string, text: string): void {
  const f = new PendingFile(path);
  try {
    f.write(text);
    f.commit();
  } catch (e) {
    f.discard();
    throw e;
  }
}

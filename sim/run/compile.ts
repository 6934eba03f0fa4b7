// Compiling a user's scenario file: the only TypeScript transpiled at run time (the CLI
// and the plan workers run the precompiled build, see bin/build.mjs). esbuild bundles
// the file with whatever it imports (helper modules, packages) into one ES module, in
// which `zensim` and `zensim/core` name the very modules this process runs, wherever
// the file lives: a scenario outside the repository, without a package.json or
// `"type": "module"`, loads like one inside it. The result is cached by content (a
// cached bundle is used while every file it came from is unchanged, so a warm start
// loads no compiler), with an inline source map so that errors name the scenario's own
// lines. Simplification: `import.meta.url` in any file of the bundle names the scenario file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fnv1a64Hex } from './digest.js';

/** The public API's modules as this process runs them: the build's, or the sources'. */
function apiUrls(): Record<string, string> {
  const here = import.meta.url;
  const built = !here.endsWith('.ts');
  return {
    zensim: new URL(built ? './index.js' : '../index.ts', here).href,
    'zensim/core': new URL(built ? './core.js' : '../../core/index.ts', here).href,
  };
}

type CacheEntry = { out: string; inputs: Record<string, string> };

/** A cache key's or an input's digest: it only tells this machine's files apart (digest.ts). */
const digest = (data: string | Buffer): string => fnv1a64Hex(typeof data === 'string' ? Buffer.from(data) : data);

function cacheDir(): string {
  const dir = join(tmpdir(), `zensim-${process.getuid?.() ?? 'user'}`, 'scenarios');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The cached bundle of `file` if every file it came from is unchanged. */
function cached(dir: string, key: string): string | undefined {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as CacheEntry;
    for (const [f, h] of Object.entries(entry.inputs)) if (digest(readFileSync(f)) !== h) return undefined;
  } catch {
    return undefined;
  }
  return join(dir, entry.out);
}

/** Writes a file whole (a reader in another process never sees part of it). */
function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The URL of `file` compiled to one ES module that this process can import. */
export async function compileScenario(file: string): Promise<string> {
  const api = apiUrls();
  const dir = cacheDir();
  const key = digest(`${file}\0${api.zensim}`);
  const hit = cached(dir, key);
  if (hit !== undefined) return pathToFileURL(hit).href;
  const { build } = await import('esbuild');
  const cwd = process.cwd();
  let result;
  try {
    result = await build({
    // Explicit: esbuild's own default is the cwd when its service started, and the
    // metafile's paths below are relative to it (a process may have changed directory since).
    absWorkingDir: cwd,
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    // The map's sources are relative to the working directory; the bundle lives in the
    // cache, so they are resolved from here, and a stack frame names the real file.
    sourceRoot: `${pathToFileURL(cwd).href}/`,
    logLevel: 'silent',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href) },
    plugins: [
      {
        name: 'zensim-api',
        setup(b) {
          b.onResolve({ filter: /^zensim(\/core)?$/ }, (a) => ({ path: api[a.path] as string, external: true }));
        },
      },
    ],
    });
  } catch (e) {
    throw new Error(buildError(e));
  }
  const code = (result.outputFiles[0] as { text: string }).text;
  const inputs: Record<string, string> = {};
  for (const f of Object.keys(result.metafile.inputs)) inputs[resolve(cwd, f)] = digest(readFileSync(resolve(cwd, f)));
  const out = `${key}-${digest(code)}.mjs`;
  writeWhole(join(dir, out), code);
  writeWhole(join(dir, `${key}.json`), JSON.stringify({ out, inputs } satisfies CacheEntry));
  return pathToFileURL(join(dir, out)).href;
}

type EsbuildMessage = { text: string; location: { file: string; line: number; column: number } | null };

/** esbuild's first error as one line: `file:line:column: text`. */
function buildError(e: unknown): string {
  const first = (e as { errors?: EsbuildMessage[] }).errors?.[0];
  if (first === undefined) return (e as Error).message;
  const at = first.location !== null ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : '';
  return `${at}${first.text}`;
}

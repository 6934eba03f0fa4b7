// Compiling a user's scenario file: the only TypeScript transpiled at run time (the CLI
// and the plan workers run the precompiled build, see bin/build.mjs). esbuild bundles
// the file with whatever it imports (helper modules, packages) into one ES module, in
// which `zensim` and `zensim/core` name the very modules this process runs, wherever
// the file lives: a scenario outside the repository, without a package.json or
// `"type": "module"`, loads like one inside it. The result is cached by content (a
// cached bundle is used while every file it came from is unchanged, so a warm start
// loads no compiler), with a source map beside it so that errors name the scenario's own
// lines. Simplification: `import.meta.url` in any file of the bundle names the scenario file.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * A cached bundle and the files it came from, each with its bytes (as latin1 text): a
 * start compares them whole (a native compare), where a digest of each file, byte by byte
 * in JavaScript, was hot enough for V8 to compile at every start (a 10-target herd.ts
 * command 1.907, 1.906 -> 1.898, 1.897 G instructions, side by side).
 */
type CacheEntry = { out: string; inputs: Record<string, string> };

/** In the cache key: a build that keeps entries in another form (input digests, an inline map) uses other keys, and the two never rewrite each other's. */
const CACHE_FORMAT = 2;

/** The text an input file is kept and compared as: one character a byte. */
const inputText = (f: string): string => readFileSync(f, 'latin1');

/** A cache key's or a bundle's digest: it only tells this machine's files apart (digest.ts). */
const digest = (text: string): string => fnv1a64Hex(Buffer.from(text));

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
    for (const [f, text] of Object.entries(entry.inputs)) if (inputText(f) !== text) return undefined;
    if (!existsSync(join(dir, `${entry.out}.map`))) return undefined;
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
  const key = digest(`${file}\0${api.zensim}\0${CACHE_FORMAT}`);
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
    // A map file beside the bundle, not inline: node scans a module's whole text by
    // character as it registers its map (source_map_cache.js lineLengths), and the
    // herd's 9.8 KB with the map inline kept that loop long enough for V8 to compile it
    // at every start (~8-10 ms of its compiler's CPU); at 2.6 KB it is not.
    sourcemap: 'external',
    outfile: join(dir, MAPPED),
    // The map's sources are relative to the bundle's folder (the cache), resolved from
    // there wherever the map is read, so a stack frame names the real file.
    sourceRoot: `${pathToFileURL(dir).href}/`,
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
  const [code, map] = bundleAndMap(result.outputFiles);
  const inputs: Record<string, string> = {};
  for (const f of Object.keys(result.metafile.inputs)) inputs[resolve(cwd, f)] = inputText(resolve(cwd, f));
  const out = `${key}-${digest(code)}.mjs`;
  writeWhole(join(dir, `${out}.map`), map);
  writeWhole(join(dir, out), `${code}//# sourceMappingURL=${out}.map\n`);
  writeWhole(join(dir, `${key}.json`), JSON.stringify({ out, inputs } satisfies CacheEntry));
  return pathToFileURL(join(dir, out)).href;
}

/** The name the bundle is built under: its map's comment is written again for the name the cache gives it. */
const MAPPED = 'scenario.mjs';

/** The bundle's text without its map's comment, and its map's (esbuild gives both, or the build is broken: never an empty bundle cached). */
function bundleAndMap(files: { path: string; text: string }[]): [string, string] {
  const code = files.find((f) => !f.path.endsWith('.map'));
  const map = files.find((f) => f.path.endsWith('.map'));
  if (code === undefined || map === undefined) throw new Error(`esbuild gave ${files.length} output files, not a bundle and its source map`);
  const comment = `//# sourceMappingURL=${MAPPED}.map\n`;
  return [code.text.endsWith(comment) ? code.text.slice(0, -comment.length) : code.text, map.text];
}

type EsbuildMessage = { text: string; location: { file: string; line: number; column: number } | null };

/** esbuild's first error as one line: `file:line:column: text`. */
function buildError(e: unknown): string {
  const first = (e as { errors?: EsbuildMessage[] }).errors?.[0];
  if (first === undefined) return (e as Error).message;
  const at = first.location !== null ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : '';
  return `${at}${first.text}`;
}

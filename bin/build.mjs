// The build: core/ and sim/ bundled by esbuild into a few ES modules in dist/ (the entry
// points below and the chunks they share; the dependencies are bundled too, so a start
// reads a handful of files instead of hundreds), and dist/manifest.json with a
// fingerprint of the sources and installed packages it came from.
// Run by npm's install step (postinstall) and `npm run build`; bin/zensim.mjs calls
// `freshDist()` on every start, which rebuilds a dist/ whose sources changed since (a
// stale build never runs) and answers null where dist/ cannot be written (the CLI then
// runs the sources). The check is cheap: one stat per source file and per folder (a
// folder whose time is unchanged has the same files: only then are they listed again),
// contents hashed only for files whose size or time changed (a touched file whose
// content did not change then has its new stamp kept in the manifest, so it is hashed
// once). Plain JavaScript: it runs before anything is built.
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = 'manifest.json';
/** dist/<name>.js for each entry point; they sit side by side (pool.ts finds ./worker.js). */
const ENTRIES = { cli: 'sim/cli.ts', index: 'sim/index.ts', core: 'core/index.ts', worker: 'sim/plan/worker.ts' };
/** The folders built, and the files beside them whose change makes the build stale. */
const FOLDERS = ['core', 'sim'];
const ALSO = ['bin/build.mjs', 'package.json', 'node_modules/.package-lock.json'];
const FORMAT = 2;

const isSource = (f) => f.endsWith('.ts') || f.endsWith('.exs');

/**
 * Every source file the build reads and every folder holding them, relative to the root,
 * in path order; `dirs` maps each folder to its stamp, taken before it is listed (a file
 * added meanwhile moves the folder's time past it).
 */
function sources(root) {
  const files = ALSO.filter((f) => existsSync(join(root, f)));
  const dirs = {};
  const walk = (dir) => {
    dirs[dir] = stamp(join(root, dir));
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`);
      else if (isSource(e.name)) files.push(`${dir}/${e.name}`);
    }
  };
  for (const dir of FOLDERS) walk(dir);
  return { files: files.sort(), dirs };
}

/**
 * The source files as the manifest lists them, when no folder has changed since (a file
 * added, removed or renamed changes its folder's time); otherwise listed afresh.
 */
function currentFiles(root, manifest) {
  const dirs = Object.entries(manifest.dirs ?? {});
  const same = dirs.length > 0 && dirs.every(([d, s]) => stampOrNull(under(root, d)) === s);
  if (!same) return sources(root).files;
  const also = ALSO.filter((f) => existsSync(under(root, f)));
  return [...also, ...Object.keys(manifest.files ?? {}).filter((f) => !ALSO.includes(f))];
}

/** node:crypto, loaded only when a file must be hashed (a fresh start hashes nothing). */
let crypto;
const sha = (text) => (crypto ??= createRequire(import.meta.url)('node:crypto')).createHash('sha256').update(text).digest('hex').slice(0, 16);
/**
 * `root`/`rel` (`rel` a relative path as the manifest lists it), concatenated: `join`'s
 * normalizing loop (node:path `normalizeString`), run over the path of each of the ~130
 * files and folders a start checks, became hot enough for V8 to optimize it at every
 * start (~10 ms of its compiler's CPU, on a helper thread).
 */
const under = (root, rel) => (root.endsWith('/') ? `${root}${rel}` : `${root}/${rel}`);
const stamp = (path) => {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
};
const stampOrNull = (path) => {
  try {
    return stamp(path);
  } catch {
    return null;
  }
};

/** The manifest of a build of these sources: per file its stat stamp and content hash, per folder its stamp. */
function fingerprint(root, { files, dirs }) {
  const entry = (f) => ({ stamp: stamp(join(root, f)), sha: sha(readFileSync(join(root, f))) });
  return { format: FORMAT, dirs, files: Object.fromEntries(files.map((f) => [f, entry(f)])) };
}

/** Whether `root`/dist was built from the sources as they are now. */
export function isFresh(root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'dist', MANIFEST), 'utf8'));
  } catch {
    return false;
  }
  if (manifest?.format !== FORMAT) return false;
  const files = currentFiles(root, manifest);
  const built = manifest.files ?? {};
  if (files.length !== Object.keys(built).length) return false;
  let restamped = false;
  for (const f of files) {
    const b = built[f];
    if (b === undefined) return false;
    const now = stamp(under(root, f));
    if (now === b.stamp) continue;
    if (sha(readFileSync(under(root, f))) !== b.sha) return false;
    b.stamp = now; // touched, not changed (a git checkout, a stash): hashed once, not at every start
    restamped = true;
  }
  if (restamped) restamp(root, manifest);
  return true;
}

/** Writes the manifest's new stamps, whole; where dist/ cannot be written, later starts hash those files again. */
function restamp(root, manifest) {
  const file = join(root, 'dist', MANIFEST);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(manifest)}\n`);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * Builds dist/ afresh: into a temporary folder first, then swapped in whole, so a
 * reader never sees half a build. Throws when the folder cannot be written.
 */
export async function build(root = ROOT) {
  const { build: esbuild } = await import('esbuild');
  const src = sources(root);
  const dist = join(root, 'dist');
  const tmp = `${dist}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const entryPoints = Object.fromEntries(Object.entries(ENTRIES).map(([name, f]) => [name, join(root, f)]));
    await esbuild({
      entryPoints,
      outdir: tmp,
      bundle: true,
      splitting: true,
      chunkNames: '[name]-[hash]',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Loaded only to compile a scenario file that is not in the cache (sim/run/compile.ts).
      external: ['esbuild'],
      logLevel: 'error',
      plugins: [asciiWidth, lazyAssert],
    });
    // Files the code reads beside itself (the ExUnit export's template) go beside the bundle's chunks.
    for (const f of src.files) if (f.endsWith('.exs')) copyFileSync(join(root, f), join(tmp, basename(f)));
    writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(fingerprint(root, src))}\n`);
    swapIn(tmp, dist);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The terminal width of a string (yargs' help layout, which it also computes for every
 * command it parses) by the package `string-width`, which segments graphemes and tries
 * an emoji pattern per character: most of the CLI's parsing time. Every import of it in
 * the bundle gets a front that answers the length for printable ASCII (each such
 * character is one column in every version of it) and asks the package otherwise,
 * loading it only then (its set-up, an Intl.Segmenter and Unicode patterns, costs more
 * than a help text's layout).
 */
const asciiWidth = {
  name: 'ascii-string-width',
  setup(b) {
    const NS = 'ascii-string-width';
    b.onResolve({ filter: /^string-width$/ }, (args) => (args.namespace === NS ? undefined : { path: args.resolveDir, namespace: NS }));
    b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({
      resolveDir: args.path,
      contents: `let width;
export default function stringWidth(s, options) {
  if (typeof s === 'string' && /^[\x20-\x7e]*$/.test(s)) return s.length;
  width ??= require('string-width').default;
  return width(s, options);
}
`,
    }));
  },
};

/**
 * yargs checks its own invariants with node's `assert` (`strictEqual`, `notStrictEqual`),
 * imported at its top level: loading that module costs ~48 M instructions, about as much
 * as the rest of yargs' load (a 10-target run's command 2.0 G). Its imports in the bundle
 * get a front that compares as `assert` does (Object.is) and loads the module only when
 * a check fails, to throw its very error.
 */
const lazyAssert = {
  name: 'lazy-assert',
  setup(b) {
    const NS = 'lazy-assert';
    b.onResolve({ filter: /^(node:)?assert$/ }, () => ({ path: 'assert', namespace: NS }));
    b.onLoad({ filter: /.*/, namespace: NS }, () => ({
      contents: `import { createRequire } from 'node:module';
let assert;
const real = () => (assert ??= createRequire(import.meta.url)('node:assert'));
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) real().strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) real().notStrictEqual(actual, expected, message);
}
`,
    }));
  },
};

function swapIn(tmp, dist) {
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
}

/**
 * The folder of a build that is fresh, rebuilt first if it was stale, or null when it
 * cannot be (a read-only install, esbuild missing): the caller then runs the sources.
 */
export async function freshDist(root = ROOT) {
  const dist = join(root, 'dist');
  if (isFresh(root)) return dist;
  try {
    await build(root);
    return dist;
  } catch {
    return isFresh(root) ? dist : null; // another process may have built it meanwhile
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // An install must not fail for want of a build: the CLI builds or runs the sources.
  build().catch((e) => {
    process.stderr.write(`zensim: no precompiled build (${String(e?.message ?? e).split('\n')[0]}); the CLI will build it or run the TypeScript sources\n`);
  });
}

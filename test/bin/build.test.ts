// The build (bin/build.mjs) on a copy of the sources: a build is fresh until a source
// file's content changes or a file appears or goes (a touch alone keeps it fresh), and
// freshDist() rebuilds a stale one; the bundle it makes runs the CLI.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build, freshDist, isFresh } from '../../bin/build.mjs';

const repo = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'zensim-build-test-'));
for (const f of ['core', 'sim', 'bin', 'package.json']) cpSync(join(repo, f), join(root, f), { recursive: true });
symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
const kernel = join(root, 'sim/engine/kernel.ts');

test('no build is not fresh; a build is', async () => {
  assert.is(isFresh(root), false);
  await build(root);
  assert.is(isFresh(root), true);
});

test('a touched file with the same content keeps the build fresh, and takes its new stamp', () => {
  utimesSync(kernel, new Date(2001, 1, 1), new Date(2001, 1, 1));
  assert.is(isFresh(root), true);
  // Hashed once: the manifest now holds the file's new stamp, so the next start only stats it.
  const stamped = (JSON.parse(readFileSync(join(root, 'dist/manifest.json'), 'utf8')) as { files: Record<string, { stamp: string }> }).files['sim/engine/kernel.ts']?.stamp;
  const s = statSync(kernel);
  assert.is(stamped, `${s.size}:${s.mtimeMs}`);
});

test('a changed or added source file makes it stale; freshDist rebuilds it', async () => {
  writeFileSync(kernel, `${readFileSync(kernel, 'utf8')}\n// changed\n`);
  assert.is(isFresh(root), false);
  assert.is(await freshDist(root), join(root, 'dist'));
  assert.is(isFresh(root), true);
  writeFileSync(join(root, 'sim/engine/extra.ts'), 'export const x = 1;\n');
  assert.is(isFresh(root), false);
  await freshDist(root);
  assert.is(isFresh(root), true);
});

test('a removed source file, or one added in a new folder, makes it stale', async () => {
  rmSync(join(root, 'sim/engine/extra.ts'));
  assert.is(isFresh(root), false);
  await freshDist(root);
  assert.is(isFresh(root), true);
  mkdirSync(join(root, 'sim/engine/more'));
  assert.is(isFresh(root), true, 'an empty folder is no source');
  writeFileSync(join(root, 'sim/engine/more/x.ts'), 'export const y = 2;\n');
  assert.is(isFresh(root), false);
  await freshDist(root);
  assert.is(isFresh(root), true);
});

test('the bundle runs the command line', async () => {
  const { parseCommand } = (await import(pathToFileURL(join(root, 'dist/cli.js')).href)) as { parseCommand: (argv: string[]) => Promise<{ kind: string }> };
  assert.is((await parseCommand(['run', 'x.ts'])).kind, 'run');
  assert.is((await parseCommand(['run', 'x.ts', '--help'])).kind, 'print', 'yargs, loaded by the bundle when the quick path leaves a command line to it');
  // What the bundled code reads beside itself: the ExUnit export's template.
  assert.is(readFileSync(join(root, 'dist/exunit.template.exs'), 'utf8'), readFileSync(join(repo, 'sim/check/exunit.template.exs'), 'utf8'));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();

// The installed command (bin/zensim.mjs), run as a user runs it: from the build (made
// or refreshed on the spot if it is missing or stale), on a scenario file outside the
// repository with no package.json beside it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = new URL('../../bin/zensim.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'zensim-bin-test-'));
const zensim = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('zensim --help prints the commands', () => {
  assert.match(zensim('--help'), /zensim <command> \[options\][\s\S]*zensim run <scenario>/);
});

test('zensim run on a scenario in another folder, importing zensim', () => {
  writeFileSync(
    join(dir, 'x.ts'),
    `import { defineScenario } from 'zensim';
export default defineScenario({ name: 'elsewhere', description: 'd', params: {}, cluster: () => ({ nodes: [{ name: 'a@h' }] }), script: (run) => run.endAt(200) });
`,
  );
  const doc = JSON.parse(zensim('run', 'x.ts', '--set', 'mode=zen', '--json', '-', '--quiet')) as { scenario: string; runs: { mode: string }[] };
  assert.equal([doc.scenario, doc.runs.map((r) => r.mode)], ['elsewhere', ['zen']]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

// The README's scenario example must keep working as printed: the test extracts the
// fenced TypeScript block, writes it into the repository (so `from 'zensim'` resolves
// to this package) and runs it through the CLI's loader and the runner.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadScenario } from '../../../sim/run/load.js';
import { runScenario } from '../../../sim/run/runner.js';

const repo = new URL('../../../', import.meta.url).pathname;

test('the README scenario example loads and runs in both modes', async () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block !== undefined && block.includes('defineScenario'), 'README has a ts example with defineScenario');
  const dir = mkdtempSync(join(repo, 'out-readme-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, block);
    const sc = await loadScenario(file);
    const doc = runScenario(sc, { seed: 3 });
    assert.equal(doc.runs.map((r) => r.mode), ['vanilla', 'zen']);
    for (const r of doc.runs) {
      assert.is(r.downs.expected, 100);
      assert.is(r.downs.delivered, 100);
      assert.is(r.downs.duplicates, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

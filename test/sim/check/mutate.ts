// Mutation testing of `zensim check` (`npm run mutate`): each mutant of mutants.ts is
// applied, one at a time, to a temporary copy of the tree (core/, sim/, bin/ and the
// package files; node_modules linked), and `zensim check` alone runs there, as a user
// would run it (`--runs 500 --seed 1 --bail --no-shrink`). A mutant is caught when the
// check reports a new failure or a crashed run (documented findings do not count: the
// unmutated code has them too). The report says, for each, whether it was caught, after
// how many runs and by which properties, and ends with `check caught: X of Y`.
//
// Usage: npm run mutate [-- --runs N] [--seed S] [--only NAME,...]
// `npm test` runs a fast subset (mutation.test.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MUTANTS, type Mutant } from './mutants.js';

const ROOT = resolve(new URL('../../../', import.meta.url).pathname);
const COPIED = ['core', 'sim', 'bin', 'package.json', 'tsconfig.json'];

/** The mutated file's text; throws "mutant N no longer applies" unless the anchor occurs exactly once. */
export function mutatedText(m: Mutant, root = ROOT): string {
  const text = readFileSync(join(root, m.file), 'utf8');
  const count = text.split(m.find).length - 1;
  if (count !== 1) throw new Error(`mutant ${m.name} no longer applies: its anchor occurs ${count} times in ${m.file} (expected once): ${JSON.stringify(m.find)}`);
  return text.replace(m.find, () => m.replace);
}

/** A temporary copy of the tree with `m` applied; remove it with `rmSync(dir, { recursive: true })`. */
export function mutatedTree(m: Mutant): string {
  const text = mutatedText(m);
  const dir = mkdtempSync(join(tmpdir(), `zensim-mutant-${m.name}-`));
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, m.file), text);
  return dir;
}

export type MutantResult = {
  readonly mutant: Mutant;
  readonly caught: boolean;
  /** The run (1-based) of the first new failure or crash. */
  readonly atRun: number | undefined;
  /** The properties with new failures, and `crash` for crashed runs. */
  readonly by: readonly string[];
  readonly exitCode: number | null;
  readonly output: string;
};

/** Runs `zensim check` on a copy of the tree with `m` applied. */
export function checkMutant(m: Mutant, opts: { runs: number; seed: number; timeoutMs?: number }): MutantResult {
  const dir = mutatedTree(m);
  try {
    const args = [join(dir, 'bin/zensim.mjs'), 'check', '--runs', String(opts.runs), '--seed', String(opts.seed), '--bail', '--no-shrink'];
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: opts.timeoutMs ?? 30 * 60_000, maxBuffer: 64 << 20 });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    return { mutant: m, ...readReport(output), exitCode: r.status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the check's report says: caught (a new failure or a crash), the first such run, and by what. */
export function readReport(output: string): { caught: boolean; atRun: number | undefined; by: string[] } {
  const result = /^result: (\d+) runs completed, (\d+) crashed(?: \(first at run (\d+)\))?, (\d+) with new failures(?: \(first at run (\d+)\))?/m.exec(output);
  if (result === null) return { caught: false, atRun: undefined, by: [] };
  const firsts = [result[3], result[5]].filter((x) => x !== undefined).map(Number);
  const by = [...output.matchAll(/^ {2}FAIL +(\S+)/gm)].map((x) => x[1] as string);
  if (Number(result[2]) > 0) by.push('crash');
  return { caught: by.length > 0, atRun: firsts.length > 0 ? Math.min(...firsts) : undefined, by };
}

function line(r: MutantResult): string {
  const verdict = r.caught ? `caught after ${r.atRun} run(s) by ${r.by.join(', ')}` : r.exitCode === 0 || r.exitCode === 1 ? 'SURVIVED' : `ERROR (exit ${r.exitCode})`;
  return `${r.caught ? 'caught  ' : 'survived'} ${r.mutant.name.padEnd(46)} ${verdict}${r.caught && !r.by.includes(r.mutant.expect) ? ` (meant for ${r.mutant.expect})` : ''}`;
}

function main(argv: string[]): Promise<number> {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(flag('runs') ?? 500);
  const seed = Number(flag('seed') ?? 1);
  const only = flag('only')?.split(',');
  const list = only === undefined ? MUTANTS : MUTANTS.filter((m) => only.includes(m.name));
  for (const m of list) mutatedText(m);
  console.log(`zensim check against ${list.length} mutants, one at a time (--runs ${runs} --seed ${seed}, stopping at the first new failure)`);
  const results: MutantResult[] = [];
  for (const m of list) {
    const r = checkMutant(m, { runs, seed });
    results.push(r);
    console.log(line(r));
    if (!r.caught && r.exitCode !== 0 && r.exitCode !== 1) console.log(r.output.split('\n').slice(-15).join('\n'));
  }
  const caught = results.filter((r) => r.caught).length;
  console.log(`check caught: ${caught} of ${results.length}`);
  return Promise.resolve(caught === results.length ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

// Loading a scenario file: the user's TypeScript module, compiled to one ES module
// (compile.ts, cached), whose default export must be `defineScenario({...})`. Shared by
// `zensim run`, the plan driver and its workers; bad input is one line (InputError).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileScenario } from './compile.js';
import { InputError } from './params.js';
import { isScenario, type Scenario } from './scenario.js';
import { scriptLocation } from './runner.js';

/** Imports a scenario file; one clear line when it is missing or not a scenario. */
export async function loadScenario(file: string): Promise<Scenario> {
  const abs = resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new InputError(`scenario file not found: ${file}`);
  let mod: { default?: unknown };
  try {
    const url = await compileScenario(abs);
    process.setSourceMapsEnabled(true); // errors in the scenario name its own lines
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    // A syntax error names its own line (compile.ts); a throw at import, the frame in the file.
    const loc = scriptLocation((e as Error).stack ?? '', abs);
    throw new InputError(`cannot load scenario ${loc ?? file}: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
  if (!isScenario(mod.default)) throw new InputError(`${file} is not a scenario: its default export must be defineScenario({...})`);
  return { ...mod.default, file: abs };
}

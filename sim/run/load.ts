// Loading a scenario file: the user's TypeScript module, imported through the loader the
// CLI registered (tsx), whose default export must be `defineScenario({...})`. Shared by
// `zensim run`, the plan driver and its workers; bad input is one line (InputError).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from './params.js';
import { isScenario, type Scenario } from './scenario.js';
import { scriptLocation } from './runner.js';

/** Imports a scenario file; one clear line when it is missing or not a scenario. */
export async function loadScenario(file: string): Promise<Scenario> {
  const abs = resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new InputError(`scenario file not found: ${file}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (e) {
    const message = String((e as Error).message ?? e);
    // A syntax error (esbuild) reads `Transform failed with 1 error:\n/path/x.ts:3:0: ERROR: …`.
    const syntax = /^(\/\S+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
    if (syntax !== null) throw new InputError(`cannot load scenario ${file}:${syntax[2]}:${syntax[3]}: ${syntax[4]}`);
    const loc = scriptLocation((e as Error).stack ?? '', abs);
    throw new InputError(`cannot load scenario ${loc ?? file}: ${message.split('\n')[0]}`);
  }
  if (!isScenario(mod.default)) throw new InputError(`${file} is not a scenario: its default export must be defineScenario({...})`);
  return { ...mod.default, file: abs };
}

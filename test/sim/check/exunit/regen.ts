// Regenerates the exported ExUnit tests that are checked in: each finding's test under
// docs/findings/ (sim/check/exunit.ts `findingExports`) and the golden files beside this
// script, one per golden schedule. Run with `npm run export:exunit` after a change to the
// exporter or its template, or after adding a finding; test/sim/check/exunit.test.ts fails
// until then.
import { readFileSync, writeFileSync } from 'node:fs';
import { exportExunit, findingExports } from '../../../../sim/check/exunit.js';
import { parseSchedule, type Schedule } from '../../../../sim/check/schedule.js';

export const GOLDEN_DIR = 'test/sim/check/exunit/golden';
export const GOLDEN = ['every-step', 'demonitor-kill'];

export function load(file: string): Schedule {
  return parseSchedule(readFileSync(file, 'utf8'), file);
}

/** Every checked-in export: file and the text it must hold. */
export function expectedExports(): { file: string; text: string }[] {
  const golden = GOLDEN.map((name) => {
    const file = `${GOLDEN_DIR}/${name}.exs`;
    return { file, text: exportExunit(load(`${GOLDEN_DIR}/${name}.json`), { source: `${name}.json`, file }) };
  });
  return [...findingExports(load), ...golden];
}

if (process.argv[1]?.endsWith('regen.ts')) {
  for (const { file, text } of expectedExports()) {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}

// Regenerates the exported ExUnit tests that are checked in: each finding's test under
// docs/findings/ (sim/check/exunit.ts `findingExports`) and the golden files beside this
// script, one per golden schedule: the part of the export that is the schedule's own (the
// runtime after it is the template, sim/check/exunit.template.exs, verbatim). Run with `npm run export:exunit` after a change to the
// exporter or its template, or after adding a finding; test/sim/check/exunit.test.ts fails
// until then.
import { readFileSync, writeFileSync } from 'node:fs';
import { exportExunit, exunitHead, findingExports } from '../../../../sim/check/exunit.js';
import { parseSchedule, type Schedule } from '../../../../sim/check/schedule.js';

export const GOLDEN_DIR = 'test/sim/check/exunit/golden';
export const GOLDEN = ['every-step', 'demonitor-kill'];

/** The full export of each golden schedule (to compile). */
export function goldenExports(): { file: string; text: string }[] {
  return GOLDEN.map((name) => ({ file: `${name}.exs`, text: exportExunit(load(`${GOLDEN_DIR}/${name}.json`), { source: `${name}.json`, file: `${name}.exs` }) }));
}

export function load(file: string): Schedule {
  return parseSchedule(readFileSync(file, 'utf8'), file);
}

/** Every checked-in export (golden ones: their own part): file and the text it must hold. */
export function expectedExports(): { file: string; text: string }[] {
  const golden = GOLDEN.map((name) => {
    const file = `${GOLDEN_DIR}/${name}.head.exs`;
    return { file, text: exunitHead(load(`${GOLDEN_DIR}/${name}.json`), { source: `${name}.json`, file: `${name}.exs` }) };
  });
  return [...findingExports(load), ...golden];
}

if (process.argv[1]?.endsWith('regen.ts')) {
  for (const { file, text } of expectedExports()) {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}

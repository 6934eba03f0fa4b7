// Properties of the simulated ERTS itself (shared/spec/beam.md), checked on the plain
// ERTS traffic every check run carries besides ZenMonitor's (the `send`, `erts_monitor`
// and `send_after` steps): ZenMonitor is only as right as the world it runs on, and a
// world that fired the wrong DOWN, reordered messages or ran timers off the millisecond
// would make every other verdict worthless.
//
// Rules (beam.md "Monitors", "Processes and mailboxes", "Distribution connections"):
// - An ERTS monitor fires once: with the target's exit reason when it exits, `:noproc`
//   for a target already gone, `:noconnection` the moment the watcher's node loses its
//   connection to the target's node (or at once, on a connection already dead); a
//   `:noproc` for a target still alive, or a lost connection not reported, is wrong.
// - Signals from one process to another arrive in the order sent: numbered messages
//   arrive in order, and none after the DOWN of its (dead) sender.
// - A `send_after` timer fires on a whole millisecond, never early, within 1 ms of due.
import { inspect } from '../../core/inspect.js';
import { atom, termEquals, type Term } from '../../core/terms.js';
import { Facts } from './facts.js';
import type { ErtsDownObs, ErtsMonitorObs, Observations } from './observations.js';
import { pairKey, push } from './observations.js';
import { judge, type Property, type Report } from './verdict.js';

const NOPROC = atom('noproc');
const NOCONNECTION = atom('noconnection');

export const WORLD_PROPERTIES: readonly Property[] = [
  {
    name: 'erts-down-reasons',
    guarantee:
      "a plain ERTS monitor gets exactly one DOWN naming its target: the exit reason, :noproc for a target already gone, or :noconnection when the watcher's node loses the connection first (at that moment)",
    check: (obs) => judge((report) => downReasons(new Facts(obs), report)),
  },
  {
    name: 'erts-fifo-per-pair',
    guarantee: 'messages from one process to another arrive in the order sent, and none after the DOWN of its dead sender',
    check: (obs) => judge((report) => fifo(new Facts(obs), report)),
  },
  {
    name: 'erts-timers-whole-ms',
    guarantee: 'a send_after timer fires on a whole millisecond, never before it is due and less than 1 ms after',
    check: (obs) => judge((report) => timers(new Facts(obs), report)),
  },
];

// ---- DOWN reasons ------------------------------------------------------------------------------

function downReasons(f: Facts, report: Report): void {
  const o = f.obs;
  const downs = new Map<number, ErtsDownObs[]>();
  for (const d of o.ertsDowns) push(downs, d.monitor, d);
  for (const m of o.ertsMonitors) {
    const got = downs.get(m.id) ?? [];
    const what = `ERTS monitor #${m.id} (${f.proc(m.sub)} monitored ${f.proc(m.target)} at ${f.ms(m.atUs)}; ${f.showDeath(f.deathOf.get(m.target))})`;
    if (got.length > 1) report('erts-duplicate-down', `${what} got ${got.length} DOWNs: ${got.map((d) => inspect(d.reason)).join(', ')}`);
    for (const d of got) {
      const allowed = allowedReasons(f, m, d.deliveredUs);
      if (!termEquals(d.object, m.targetPid)) report('erts-wrong-object', `${what}: its DOWN names ${inspect(d.object)}`);
      else if (!allowed.some((r) => termEquals(r, d.reason))) {
        report('erts-wrong-reason', `${what}: got ${inspect(d.reason)} at ${f.ms(d.deliveredUs)}, expected ${allowed.length === 0 ? 'no DOWN then' : allowed.map((r) => inspect(r)).join(' or ')}`);
      }
    }
    missing(f, m, got, what, report);
  }
}

/** The reasons a DOWN of `m` delivered at `atUs` may carry. */
function allowedReasons(f: Facts, m: ErtsMonitorObs, atUs: number): Term[] {
  const out: Term[] = [];
  const death = f.deathOf.get(m.target);
  const local = m.subNode === m.targetNode;
  if (death !== undefined && death.atUs <= atUs) {
    // Gone before the monitor reached it: :noproc (locally, only if dead when it was made).
    if (!local || death.seq < m.seq) out.push(NOPROC);
    if (!death.crash && death.seq > m.seq) out.push(death.reason);
  }
  if (!local && lostAt(f.obs, m, atUs)) out.push(NOCONNECTION);
  return out;
}

/**
 * Whether the watcher's node lost its connection to the target's node at `atUs`: it saw
 * it go down then, or the connection it wrote to was already dead (it sees that later,
 * with no new connection in between).
 */
function lostAt(o: Observations, m: ErtsMonitorObs, atUs: number): boolean {
  const events = o.connEvents.get(pairKey(m.subNode, m.targetNode)) ?? [];
  if (events.some((e) => !e.up && e.atUs === atUs)) return true;
  const next = events.find((e) => e.atUs > atUs);
  return next !== undefined && !next.up;
}

/** A DOWN that had to come and did not, or came late. */
function missing(f: Facts, m: ErtsMonitorObs, got: readonly ErtsDownObs[], what: string, report: Report): void {
  const watcherDeath = f.deathOf.get(m.sub)?.atUs ?? Infinity;
  const first = got[0]?.deliveredUs ?? Infinity;
  if (m.subNode !== m.targetNode) {
    const loss = (f.obs.connEvents.get(pairKey(m.subNode, m.targetNode)) ?? []).find((e) => !e.up && e.atUs > m.atUs);
    if (loss !== undefined && loss.atUs < watcherDeath && first > loss.atUs) {
      const when = first === Infinity ? 'no DOWN came' : `its DOWN came only at ${f.ms(first)}`;
      return report('erts-missing-noconnection', `${what}: its node lost the connection at ${f.ms(loss.atUs)}, when :noconnection was due, and ${when}`);
    }
  }
  const death = f.deathOf.get(m.target);
  if (death !== undefined && got.length === 0 && watcherDeath === Infinity) report('erts-missing-down', `${what}: no DOWN came`);
}

// ---- FIFO ----------------------------------------------------------------------------------------

function fifo(f: Facts, report: Report): void {
  const o = f.obs;
  const byPair = new Map<string, Observations['messages'][number][]>();
  for (const msg of o.messages) if (msg.deliveredSeq !== null) push(byPair, pairKey(msg.from, msg.to), msg);
  for (const [key, list] of byPair) {
    const arrived = [...list].sort((a, b) => (a.deliveredSeq as number) - (b.deliveredSeq as number));
    for (let i = 1; i < arrived.length; i++) {
      const [a, b] = [arrived[i - 1], arrived[i]] as [(typeof arrived)[number], (typeof arrived)[number]];
      if (b.n < a.n) {
        report('erts-fifo', `${f.proc(a.from)} -> ${f.proc(a.to)} (${key}): message #${b.n} (sent at ${f.ms(b.sentUs)}) arrived at ${f.ms(b.deliveredUs as number)}, after #${a.n} (sent at ${f.ms(a.sentUs)}, arrived at ${f.ms(a.deliveredUs as number)})`);
      }
    }
  }
  for (const m of o.ertsMonitors) {
    for (const d of o.ertsDowns) {
      if (d.monitor !== m.id || termEquals(d.reason, NOCONNECTION)) continue;
      const after = o.messages.find((msg) => msg.from === m.target && msg.to === m.sub && msg.deliveredSeq !== null && msg.deliveredSeq > d.seq);
      if (after !== undefined) report('erts-message-after-down', `${f.proc(m.target)} -> ${f.proc(m.sub)}: message #${after.n} arrived at ${f.ms(after.deliveredUs as number)}, after the DOWN of its sender (${inspect(d.reason)} at ${f.ms(d.deliveredUs)})`);
    }
  }
}

// ---- timers ------------------------------------------------------------------------------------

function timers(f: Facts, report: Report): void {
  const o = f.obs;
  for (const t of o.timers) {
    const due = t.setUs + t.ms * 1000;
    const what = `${f.proc(t.proc)}'s send_after(${t.ms}) set at ${f.ms(t.setUs)} (due ${f.ms(due)})`;
    if (t.firedUs === null) {
      const death = f.deathOf.get(t.proc)?.atUs ?? Infinity;
      if (death > due && due < o.endUs) report('timer-lost', `${what} never fired`);
    } else if (t.firedUs % 1000 !== 0) report('timer-not-on-ms', `${what} fired at ${f.ms(t.firedUs)}, not on a whole millisecond`);
    else if (t.firedUs < due) report('timer-early', `${what} fired early, at ${f.ms(t.firedUs)}`);
    else if (t.firedUs >= due + 1000) report('timer-late', `${what} fired at ${f.ms(t.firedUs)}, 1 ms or more after it was due`);
  }
}

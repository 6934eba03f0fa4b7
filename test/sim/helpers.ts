// Small helpers shared by the sim/ tests: a world with exact (integer, or zero) costs
// and no jitter so expected times can be computed by hand, and a recording behaviour.
import { atom, type Term } from '../../core/terms.js';
import type { CostModel } from '../../sim/beam/cost.js';
import type { NetConfig } from '../../sim/beam/net_config.js';
import type { Behaviour, Ctx, DownSignal } from '../../sim/beam/process.js';
import { World } from '../../sim/beam/world.js';
import { main } from '../../sim/cli.js';

export const A = 'a@h';
export const B = 'b@h';
export const C = 'c@h';

/** Every CPU cost zero: a handler's effects happen at the time it starts (it still takes 1 µs). */
export const ZERO_CPU: Partial<CostModel> = {
  receiveUs: 0,
  sendLocalUs: 0,
  sendRemoteUs: 0,
  perByteUs: 0,
  etsOpUs: 0,
  monitorUs: 0,
  connLossPerMonitorUs: 0,
  exitSignalUs: 0,
  batchItemUs: 0,
  gcReductionUs: 0,
  instructionItemUs: 0,
};

export type WorldSpec = {
  seed?: number | string;
  nodes?: string[];
  schedulers?: number;
  net?: Partial<NetConfig>;
  cost?: Partial<CostModel>;
  /** Each node's monotonic clock phase (node.ts `clockPhaseUs`); 0 unless given: its seconds fall on whole seconds of virtual time. */
  clockPhaseUs?: number;
};

/** A world with nodes a@h and b@h (by default), zero CPU costs, no jitter, clocks at phase 0. */
export function makeWorld(spec: WorldSpec = {}): World {
  const w = new World({
    seed: spec.seed ?? 1,
    net: { jitterUs: 0, ...spec.net },
    cost: { ...ZERO_CPU, ...spec.cost },
  });
  for (const n of spec.nodes ?? [A, B]) w.addNode(n, { schedulers: spec.schedulers ?? 2, clockPhaseUs: spec.clockPhaseUs ?? 0 });
  return w;
}

/** One handled message: the handler's start time (its `ctx.nowUs()` on entry) and the message. */
export type Got = { at: number; msg: unknown };

/** A behaviour that logs every message it handles, then runs `then` (if given). */
export function recorder(log: Got[], then?: (ctx: Ctx, msg: unknown) => void, init?: (ctx: Ctx) => void): Behaviour {
  const b: Behaviour = {
    handle(ctx, msg) {
      log.push({ at: ctx.nowUs(), msg });
      if (then !== undefined) then(ctx, msg);
    },
  };
  if (init !== undefined) b.init = init;
  return b;
}

/** A process that does nothing with its messages. */
export const sleeper: Behaviour = { handle() {} };

/** Runs the world until `untilUs` (events at exactly that time included). */
export function runUntil(w: World, untilUs: number): void {
  w.kernel.run({ untilUs });
}

/** Sets up the connection a–b from a and runs until it is up. */
export function connect(w: World, a: string, b: string): void {
  w.net.ensureConnected(a, b);
  runUntil(w, w.nowUs + w.net.handshakeUs(a, b));
  if (!w.net.connected(a, b) || !w.net.connected(b, a)) throw new Error(`connect ${a}–${b} failed`);
}

export function isDown(msg: unknown): msg is DownSignal {
  return typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'DOWN';
}

export function downs(log: Got[]): (Got & { msg: DownSignal })[] {
  return log.filter((g): g is Got & { msg: DownSignal } => isDown(g.msg));
}

export function isAtomTerm(t: unknown, name: string): boolean {
  return typeof t === 'object' && t !== null && (t as Term).t === 'atom' && (t as { v: string }).v === name;
}

export const KILL = atom('kill');
export const NORMAL = atom('normal');


/** Runs the world until it is idle; fails (rather than hangs) on a runaway. */
export function drain(w: World, maxEvents = 2_000_000): void {
  const end = w.kernel.run({ maxEvents });
  if (end === 'max_events') throw new Error(`runaway: ${maxEvents} events by ${w.nowUs} µs`);
}

/**
 * Runs the CLI's `main(argv)` with stdout and stderr captured; optionally in the folder
 * `cwd`, with stderr posing as a terminal (`tty`), calling `during` once it has started.
 */
export async function cli(
  argv: string[],
  opts: { cwd?: string; tty?: boolean; during?: () => void } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  const [cwd, tty] = [process.cwd(), process.stderr.isTTY];
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  if (opts.cwd !== undefined) process.chdir(opts.cwd);
  if (opts.tty !== undefined) process.stderr.isTTY = opts.tty;
  try {
    const running = main(argv);
    opts.during?.();
    return { code: await running, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.chdir(cwd);
    process.stderr.isTTY = tty;
  }
}

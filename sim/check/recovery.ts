// When a check run probes recovery (the property monitors-work-after-recovery): once
// the faults are over, each ordered pair of nodes (s, t) both running ZenMonitor is
// probed as soon as it is settled (every disturbance of the pair over and its grace
// passed, facts.ts), and not before the run's settle time: a fresh subscriber on s
// monitors a fresh process on t, which exits once the subscription has surely reached
// t's Proxy (three Connector sweeps and half a second). A pair still disturbed at the end
// (a node down, ZenMonitor stopped, a connection never back) is not probed, and the run
// says which and why.
import type { ZenConfig } from '../../core/config.js';
import { type DisturbanceLog, settledFromUs } from './facts.js';
import type { Interval, ZenKillObs } from './observations.js';
import { nodeName } from './schedule.js';

/** From a recovery probe's monitor to its target's exit. */
export function killDelayUs(config: ZenConfig): number {
  return (3 * config.connector_sweep_interval + 500) * 1000;
}

export type RecoveryPlan = {
  readonly probes: readonly { readonly s: number; readonly t: number; readonly atUs: number; readonly killUs: number }[];
  readonly skipped: string[];
};

export type RecoveryView = {
  readonly connDown: ReadonlyMap<string, readonly Interval[]>;
  readonly cuts: ReadonlyMap<string, readonly Interval[]>;
  readonly zenDown: ReadonlyMap<number, readonly Interval[]>;
  readonly zenKills: readonly ZenKillObs[];
};

/** The probes of a run whose settle time is `fromUs`, given which nodes are up and run ZenMonitor now. */
export function planRecovery(view: RecoveryView, config: ZenConfig, nodes: number, now: { up(n: number): boolean; zen(n: number): boolean; fromUs: number }): RecoveryPlan {
  const log: DisturbanceLog = { ...view, config };
  const probes: RecoveryPlan['probes'][number][] = [];
  const skipped: string[] = [];
  for (let s = 0; s < nodes; s++) {
    for (let t = 0; t < nodes; t++) {
      const pair = `${nodeName(s)} -> ${nodeName(t)}`;
      const down = [s, t].find((n) => !now.up(n) || !now.zen(n));
      if (down !== undefined) {
        skipped.push(`${pair}: ${now.up(down) ? 'ZenMonitor not running on' : 'node down:'} ${nodeName(down)}`);
        continue;
      }
      const settled = settledFromUs(log, s, t);
      if (settled === undefined) {
        skipped.push(`${pair}: disturbed to the end`);
        continue;
      }
      // Whole µs, as the clock counts: with intervals near send_after's 2^32 - 1 ms a grace
      // sum lands between them.
      const atUs = Math.ceil(Math.max(now.fromUs, settled));
      probes.push({ s, t, atUs, killUs: Math.ceil(atUs + killDelayUs(config)) });
    }
  }
  return { probes, skipped };
}

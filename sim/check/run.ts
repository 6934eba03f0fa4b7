// Runs one check schedule on a simulated cluster and records what the properties of
// sim/check/properties.ts judge: every monitor, demonitor (and what the mailbox held
// right after a flush), DOWN (delivered, handled, left in a mailbox), process death with
// its exit reason, Dispatcher tick and delivery, connection and ZenMonitor up/down
// moment, and the ZenMonitor tables once the run is quiet.
//
// Every spawned process is a probe: it can be monitored (a target) and can monitor (a
// subscriber). The client API runs inside the probe, at the step's virtual time, as it
// would in an Elixir process. The world uses the default cost model (handlers take CPU
// time, so processes on different schedulers race) and a short net_ticktime.
//
// Rules: nothing here reads the wall clock or any randomness but the world's; the
// observations are plain data ordered by `seq`, the order in which things happened.
import type { ZenConfig } from '../../core/config.js';
import { defaultZenConfig, setZenConfig } from '../../core/config.js';
import type { EventsMsg } from '../../core/messages.js';
import { atom, type Pid, type Term } from '../../core/terms.js';
import type { TraceSink } from '../engine/kernel.js';
import type { Ctx, DownSignal, Handling, Proc } from '../beam/process.js';
import { CHECK_NET_TICKTIME_S, MAX_PROCS, nodeName, orderedSteps, REASONS, ZEN_COMPONENTS, type NodeShape, type Schedule, type Step } from './schedule.js';
import { World } from '../beam/world.js';
import { DISPATCHER, ZenCluster, type ComponentSteps, type ZenProcess } from '../zen/cluster.js';
import { type DeathObs, type DemonitorObs, type DownObs, type FaultObs, type Interval, type MonitorObs, type NodeEnd, nodeEnd, type Observations, pairKey, type RateWindow, type RunView, type ZenKillObs } from './observations.js';

/** ZenMonitor boots on each node within this many µs; the script starts then. */
const BOOT_US = 100_000;
/** After the faults stop, the run lasts at least this long: 2 × net_ticktime + a call timeout. */
const SETTLE_US = (2 * CHECK_NET_TICKTIME_S + 5) * 1_000_000;
/** Quiet: nothing but idle sweeps and demand ticks for this long. */
const QUIET_US = 3_000_000;
/** Give up waiting for quiet this long after the settle time. */
const MAX_WAIT_US = 120_000_000;
const STEP_US = 1_000_000;
/** After the faults stop, running nodes are connected again this often until the settle time. */
const RECONNECT_US = 1_000_000;
const RUN = atom('$check_run');
/** Messages that are not activity: idle timers and the Dispatcher's demand. */
const IDLE_KINDS = new Set(['sweep', 'generate_demand', 'ask']);

export type RunOptions = {
  /** Replaced component step functions (mutation tests). */
  steps?: Partial<ComponentSteps>;
  /** One JSON line per executed event. */
  trace?: TraceSink;
  /** Called with the world and ZenMonitor right after the hooks are set (tests and debugging look in; chain, do not replace, the hooks). */
  attach?: (world: World, zen: ZenCluster) => void;
};

/** The effective ZenMonitor config of a schedule. */
export function scheduleConfig(s: Schedule): ZenConfig {
  const config = defaultZenConfig();
  for (const [k, v] of Object.entries(s.zen)) setZenConfig(config, k, v);
  return config;
}

/** Runs `s` to quiet and returns what happened. */
export function runSchedule(s: Schedule, opts: RunOptions = {}): Observations {
  return new CheckRun(s, opts).run();
}

type Action = (ctx: Ctx) => void | Handling;

class CheckRun implements RunView {
  private readonly world: World;
  readonly zen: ZenCluster;
  readonly names: string[];
  private readonly config: ZenConfig;
  private seq = 0;
  readonly procs: { node: number; pid: Pid }[] = [];
  /** Process index by pid uid. */
  private readonly procIndex = new Map<number, number>();
  private readonly queues = new Map<number, Action[]>();
  private readonly monitors: MonitorObs[] = [];
  private readonly demonitors: DemonitorObs[] = [];
  private readonly downs: DownObs[] = [];
  /** DOWNs delivered and not handled yet, by message object (a list: one object may be sent twice). */
  private readonly pendingDowns = new Map<unknown, DownObs[]>();
  /** DOWNs handled before the delivery hook saw them (handled at once by an idle probe), with when. */
  private readonly handledEarly = new Map<unknown, number>();
  private readonly deaths: DeathObs[] = [];
  private readonly faults: FaultObs[] = [];
  private readonly connDown = new Map<string, Interval[]>();
  private readonly cuts = new Map<string, Interval[]>();
  private readonly zenDown = new Map<number, Interval[]>();
  private readonly zenKills: ZenKillObs[] = [];
  private readonly rate: RateWindow[] = [];
  private readonly lastWindow = new Map<number, RateWindow>();
  private readonly maxLatencyUs = new Map<string, number>();
  private lastActivityUs = 0;
  /** Racing flushes armed, by ref uid. */
  private readonly races = new Map<number, { monitor: number; raceUs: number }[]>();

  constructor(
    private readonly s: Schedule,
    opts: RunOptions,
  ) {
    this.world = new World({ seed: s.seed, net: { netTicktimeS: CHECK_NET_TICKTIME_S } });
    if (opts.trace !== undefined) this.world.kernel.setTrace(opts.trace);
    this.zen = new ZenCluster(this.world, opts.steps !== undefined ? { steps: opts.steps } : {});
    this.names = s.nodes.map((_, i) => nodeName(i));
    this.config = scheduleConfig(s);
    s.nodes.forEach((shape, i) => this.world.addNode(this.names[i] as string, { schedulers: shape.schedulers }));
    this.hook();
    opts.attach?.(this.world, this.zen);
  }

  run(): Observations {
    const { world, s } = this;
    for (let i = 0; i < this.names.length; i++) {
      for (let j = i + 1; j < this.names.length; j++) world.net.ensureConnected(this.names[i] as string, this.names[j] as string);
      // ZenMonitor boots at a seeded moment (as in sim/run/runner.ts), or never.
      this.zenStopped(i, 0);
      if ((s.nodes[i] as NodeShape).zen) world.at(Math.floor(world.rng.stream(`boot/${this.names[i]}`).float() * BOOT_US), () => this.startZen(i));
    }
    world.at(BOOT_US, () => s.procs.forEach((n) => this.spawn(n)));
    for (const step of orderedSteps(s)) world.at(BOOT_US + Math.round(step.atMs * 1000), () => this.step(step));
    const faultsEndUs = BOOT_US + s.faultsEndMs * 1000;
    world.at(faultsEndUs, () => this.recover());
    const lastStepUs = Math.max(faultsEndUs, ...s.steps.map((st) => BOOT_US + Math.round(st.atMs * 1000)));
    const minEndUs = lastStepUs + SETTLE_US;
    world.kernel.run({ untilUs: minEndUs });
    let quiet = false;
    for (let t = minEndUs; t <= minEndUs + MAX_WAIT_US; t += STEP_US) {
      world.kernel.run({ untilUs: t });
      if (t - this.lastActivityUs >= QUIET_US) {
        quiet = true;
        break;
      }
    }
    return this.observe(faultsEndUs, quiet);
  }

  // ---- hooks --------------------------------------------------------------------------------

  private hook(): void {
    const w = this.world;
    w.onDeliver = (p, msg) => {
      const kind = (msg as { kind?: unknown }).kind;
      if (typeof kind !== 'string' || !IDLE_KINDS.has(kind)) this.lastActivityUs = w.nowUs;
      if (kind !== 'DOWN') return;
      const proc = this.procIndex.get(p.uid);
      if (proc === undefined) return;
      const d = msg as DownSignal;
      const obs: DownObs = {
        proc,
        refUid: d.ref.uid,
        object: d.object,
        reason: d.reason,
        deliveredUs: w.nowUs,
        deliveredSeq: ++this.seq,
        handledUs: null,
        handledSeq: null,
        inMailboxAtEnd: false,
      };
      this.downs.push(obs);
      // The world calls this hook after the receiver, if it was idle, has already run.
      const early = this.handledEarly.get(msg);
      if (early !== undefined) {
        this.handledEarly.delete(msg);
        obs.handledUs = early;
        obs.handledSeq = ++this.seq;
      } else {
        const list = this.pendingDowns.get(msg);
        if (list === undefined) this.pendingDowns.set(msg, [obs]);
        else list.push(obs);
      }
      const win = this.lastWindow.get(this.procs[proc]?.node ?? -1);
      if (win !== undefined) win.delivered++;
    };
    w.onSliceStart = (p, startUs, msg) => {
      if (p.registeredName !== DISPATCHER) return;
      const node = this.names.indexOf(p.pid.node);
      const kind = (msg as { kind?: unknown }).kind;
      if (kind === 'events' && this.races.size > 0) this.startRaces(msg as EventsMsg, startUs);
      if (kind !== 'generate_demand') return;
      const win: RateWindow = { node, tickUs: startUs, delivered: 0 };
      this.rate.push(win);
      this.lastWindow.set(node, win);
    };
    w.onExit = (p, reason) => {
      const proc = this.procIndex.get(p.uid);
      if (proc === undefined) return;
      const crash = !w.node(p.pid.node).up;
      this.deaths.push({ proc, atUs: w.nowUs, seq: ++this.seq, reason, crash });
      this.queues.delete(p.uid);
    };
    w.onConnection = (node, peer, up) => {
      const a = this.names.indexOf(node);
      const b = this.names.indexOf(peer);
      if (a < 0 || b < 0) return;
      this.lastActivityUs = w.nowUs;
      if (up) closeInterval(this.connDown, pairKey(a, b), w.nowUs);
      else openInterval(this.connDown, pairKey(a, b), w.nowUs);
    };
  }

  // ---- steps ------------------------------------------------------------------------------------

  private node(i: number): number {
    return ((i % this.names.length) + this.names.length) % this.names.length;
  }

  private proc(i: number): { node: number; pid: Pid } | undefined {
    return this.procs.length === 0 ? undefined : this.procs[i % this.procs.length];
  }

  private step(step: Step): void {
    this.lastActivityUs = this.world.nowUs;
    switch (step.op) {
      case 'spawn':
        return this.spawn(step.node);
      case 'monitor':
        return this.monitor(step.sub, step.target);
      case 'demonitor':
        return this.demonitor(step.monitor, false);
      case 'demonitor_flush':
        if (step.raceUs !== undefined) return this.armRace(step.monitor, step.raceUs);
        return this.demonitor(step.monitor, true);
      case 'kill': {
        const p = this.proc(step.proc);
        if (p !== undefined && this.world.alive(p.pid) !== undefined) this.world.exit(p.pid, reasonTerm(step.reason), p.pid.node);
        return;
      }
      case 'subscriber_exit': {
        const p = this.proc(step.proc);
        if (p !== undefined) this.inside(p.pid, (ctx) => ctx.stop(reasonTerm(step.reason)));
        return;
      }
      default:
        return this.fault(step);
    }
  }

  private fault(step: Step): void {
    const w = this.world;
    const detail = (x: string): void => void this.faults.push({ atUs: w.nowUs, op: step.op, detail: x });
    switch (step.op) {
      case 'crash': {
        const n = this.node(step.node);
        if (!w.node(this.name(n)).up) return;
        w.crash(this.name(n));
        this.zenStopped(n, w.nowUs);
        return detail(this.name(n));
      }
      case 'restart': {
        const n = this.node(step.node);
        if (w.node(this.name(n)).up) return;
        w.restart(this.name(n));
        if ((this.s.nodes[n] as { zen: boolean }).zen) this.startZen(n);
        // A restarted node joins its cluster again (as a release with libcluster would).
        for (let m = 0; m < this.names.length; m++) if (m !== n && w.node(this.name(m)).up) w.net.ensureConnected(this.name(n), this.name(m));
        return detail(this.name(n));
      }
      case 'partition':
      case 'partition_one_way': {
        const [a, b] = [this.node(step.a), this.node(step.b)];
        if (a === b) return;
        w.net.partition(this.name(a), this.name(b), step.op === 'partition_one_way');
        openInterval(this.cuts, pairKey(a, b), w.nowUs);
        if (step.op === 'partition') openInterval(this.cuts, pairKey(b, a), w.nowUs);
        return detail(`${this.name(a)} ${step.op === 'partition' ? '<->' : '->'} ${this.name(b)}`);
      }
      case 'heal': {
        const [a, b] = [this.node(step.a), this.node(step.b)];
        if (a === b) return;
        this.heal(a, b);
        return detail(`${this.name(a)} <-> ${this.name(b)}`);
      }
      case 'latency': {
        const [a, b] = [this.node(step.a), this.node(step.b)];
        if (a === b) return;
        w.net.setLatency(this.name(a), this.name(b), step.ms * 1000);
        for (const k of [pairKey(a, b), pairKey(b, a)]) this.maxLatencyUs.set(k, Math.max(this.maxLatencyUs.get(k) ?? 0, step.ms * 1000));
        return detail(`${this.name(a)} <-> ${this.name(b)} ${step.ms} ms`);
      }
      case 'stop_zen': {
        const n = this.node(step.node);
        if (this.zen.app(this.name(n)) === undefined) return;
        this.zen.stop(this.name(n));
        this.zenStopped(n, w.nowUs);
        return detail(this.name(n));
      }
      case 'start_zen': {
        const n = this.node(step.node);
        if (!w.node(this.name(n)).up || this.zen.app(this.name(n)) !== undefined) return;
        this.startZen(n);
        return detail(this.name(n));
      }
      case 'connect': {
        const [a, b] = [this.node(step.a), this.node(step.b)];
        if (a === b || !w.node(this.name(a)).up || !w.node(this.name(b)).up) return;
        w.net.ensureConnected(this.name(a), this.name(b));
        return detail(`${this.name(a)} -> ${this.name(b)}`);
      }
      case 'kill_zen': {
        const [n, peer] = [this.node(step.node), this.node(step.peer)];
        const which = ZEN_COMPONENTS[step.component % ZEN_COMPONENTS.length] as ZenProcess;
        const pid = this.zen.kill(this.name(n), which, this.name(peer));
        if (pid === undefined) return;
        this.zenKills.push({ atUs: w.nowUs, node: n, which, peer });
        return detail(`${which}${which === 'connector' || which === 'batcher' ? ` for ${this.name(peer)}` : ''} on ${this.name(n)}`);
      }
      default:
        throw new Error(`not a fault: ${step.op}`);
    }
  }

  /**
   * The faults stop: every cut healed, latencies restored; then every second until the
   * settle time, each pair of running nodes is connected if it is not (the cluster
   * re-forms, as libcluster's polling would; a side that has not noticed its old
   * connection died yet reconnects once it has).
   */
  private recover(): void {
    const w = this.world;
    for (let a = 0; a < this.names.length; a++) {
      for (let b = a + 1; b < this.names.length; b++) {
        this.heal(a, b);
        w.net.setLatency(this.name(a), this.name(b), undefined);
      }
    }
    const reconnect = (left: number) => {
      for (let a = 0; a < this.names.length; a++) {
        for (let b = a + 1; b < this.names.length; b++) {
          if (w.node(this.name(a)).up && w.node(this.name(b)).up) w.net.ensureConnected(this.name(a), this.name(b));
        }
      }
      if (left > 0) w.at(w.nowUs + RECONNECT_US, () => reconnect(left - 1));
    };
    reconnect(Math.floor(SETTLE_US / RECONNECT_US) - 1);
    this.lastActivityUs = w.nowUs;
  }

  private heal(a: number, b: number): void {
    this.world.net.heal(this.name(a), this.name(b));
    closeInterval(this.cuts, pairKey(a, b), this.world.nowUs);
    closeInterval(this.cuts, pairKey(b, a), this.world.nowUs);
  }

  private name(i: number): string {
    return this.names[i] as string;
  }

  private startZen(n: number): void {
    this.zen.start(this.name(n), this.s.zen);
    closeInterval(this.zenDown, n, this.world.nowUs);
  }

  private zenStopped(n: number, atUs: number): void {
    openInterval(this.zenDown, n, atUs);
  }

  private spawn(nodeIndex: number): void {
    const n = this.node(nodeIndex);
    if (!this.world.node(this.name(n)).up || this.procs.length >= MAX_PROCS) return;
    const index = this.procs.length;
    const pid = this.world.spawn(this.name(n), {
      handle: (ctx, msg) => {
        if (msg === RUN) {
          const fn = this.queues.get(ctx.self.uid)?.shift();
          return fn?.(ctx);
        }
        if ((msg as { kind?: unknown }).kind !== 'DOWN') return;
        const list = this.pendingDowns.get(msg);
        const obs = list?.shift();
        if (obs !== undefined) {
          obs.handledUs = this.world.nowUs;
          obs.handledSeq = ++this.seq;
        } else this.handledEarly.set(msg, this.world.nowUs);
        if (list?.length === 0) this.pendingDowns.delete(msg);
      },
    });
    this.procs.push({ node: n, pid });
    this.procIndex.set(pid.uid, index);
  }

  /** Runs `fn` inside the probe `pid` (when it handles the message sent now). */
  private inside(pid: Pid, fn: Action): void {
    if (this.world.alive(pid) === undefined) return;
    let q = this.queues.get(pid.uid);
    if (q === undefined) {
      q = [];
      this.queues.set(pid.uid, q);
    }
    q.push(fn);
    this.world.send(pid, RUN);
  }

  private monitor(subIndex: number, targetIndex: number): void {
    const sub = this.proc(subIndex);
    const target = this.proc(targetIndex);
    if (sub === undefined || target === undefined) return;
    const subProc = subIndex % this.procs.length;
    const targetProc = targetIndex % this.procs.length;
    const check = this;
    this.inside(sub.pid, function* (ctx) {
      if (check.zen.app(ctx.node) === undefined) return;
      const ref = yield* check.zen.timed.monitor(ctx, target.pid);
      check.monitors.push({
        id: check.monitors.length,
        sub: subProc,
        subNode: sub.node,
        target: targetProc,
        targetNode: target.node,
        targetPid: target.pid,
        ref,
        atUs: check.world.nowUs,
        seq: ++check.seq,
      });
    });
  }

  /** Arms a racing demonitor(ref, [:flush]) (see the `raceUs` of a demonitor_flush step). */
  private armRace(monitorIndex: number, raceUs: number): void {
    if (this.monitors.length === 0) return;
    const m = this.monitors[monitorIndex % this.monitors.length] as MonitorObs;
    const list = this.races.get(m.ref.uid);
    if (list === undefined) this.races.set(m.ref.uid, [{ monitor: m.id, raceUs }]);
    else list.push({ monitor: m.id, raceUs });
  }

  /** A Dispatcher begins a batch: armed racing flushes of refs in it run `raceUs` later. */
  private startRaces(msg: EventsMsg, startUs: number): void {
    for (const e of msg.events) {
      const armed = this.races.get(e.down.ref.uid);
      if (armed === undefined) continue;
      this.races.delete(e.down.ref.uid);
      for (const r of armed) this.world.at(startUs + r.raceUs, () => this.demonitor(r.monitor, true));
    }
  }

  private demonitor(monitorIndex: number, flush: boolean): void {
    if (this.monitors.length === 0) return;
    const m = this.monitors[monitorIndex % this.monitors.length] as MonitorObs;
    const sub = this.procs[m.sub] as { pid: Pid };
    const check = this;
    this.inside(sub.pid, function* (ctx) {
      if (check.zen.app(ctx.node) === undefined) return;
      yield* check.zen.timed.demonitor(ctx, m.ref, flush ? ['flush'] : []);
      const p = check.world.proc(sub.pid) as Proc;
      check.demonitors.push({
        monitor: m.id,
        flush,
        atUs: check.world.nowUs,
        seq: ++check.seq,
        downsInMailboxAfter: countDowns(p, m.ref.uid),
      });
    });
  }

  // ---- the end ------------------------------------------------------------------------------

  private observe(faultsEndUs: number, quiet: boolean): Observations {
    const w = this.world;
    for (const { pid } of this.procs) {
      const p = w.alive(pid);
      if (p === undefined) continue;
      const seen = new Map<unknown, number>();
      p.mailbox.take((msg) => {
        const i = seen.get(msg) ?? 0;
        const obs = this.pendingDowns.get(msg)?.[i];
        if (obs !== undefined) obs.inMailboxAtEnd = true;
        seen.set(msg, i + 1);
        return false;
      });
    }
    const ends: NodeEnd[] = [];
    for (let n = 0; n < this.names.length; n++) {
      const end = nodeEnd(this, n);
      if (end !== undefined) ends.push(end);
    }
    return {
      schedule: this.s,
      config: this.config,
      procs: this.procs,
      monitors: this.monitors,
      demonitors: this.demonitors,
      downs: this.downs,
      deaths: this.deaths,
      faults: this.faults,
      connDown: this.connDown,
      cuts: this.cuts,
      zenDown: this.zenDown,
      zenKills: this.zenKills,
      rate: this.rate,
      maxLatencyUs: this.maxLatencyUs,
      scriptStartUs: BOOT_US,
      faultsEndUs,
      endUs: w.nowUs,
      quiet,
      ends,
      traceHash: w.kernel.traceHash(),
      events: w.kernel.executed,
    };
  }

  isAlive(pid: Pid): boolean {
    return this.world.alive(pid) !== undefined;
  }

  indexOf(pid: Pid): number {
    return this.procIndex.get(pid.uid) ?? -1;
  }
}

function reasonTerm(i: number): Term {
  return (REASONS[i % REASONS.length] as (typeof REASONS)[number]).term();
}

/** DOWNs for ref `uid` in `p`'s mailbox, left in place. */
function countDowns(p: Proc, uid: number): number {
  let n = 0;
  p.mailbox.take((msg) => {
    if ((msg as { kind?: unknown }).kind === 'DOWN' && (msg as DownSignal).ref.uid === uid) n++;
    return false;
  });
  return n;
}

function openInterval<K>(m: Map<K, Interval[]>, key: K, atUs: number): void {
  let list = m.get(key);
  if (list === undefined) {
    list = [];
    m.set(key, list);
  }
  const last = list[list.length - 1];
  if (last !== undefined && last.toUs === Infinity) return;
  list.push({ fromUs: atUs, toUs: Infinity });
}

function closeInterval<K>(m: Map<K, Interval[]>, key: K, atUs: number): void {
  const last = m.get(key)?.at(-1);
  if (last !== undefined && last.toUs === Infinity) last.toUs = atUs;
}

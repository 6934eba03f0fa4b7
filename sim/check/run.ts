// Runs one check schedule on a simulated cluster and returns what the properties of
// sim/check/properties.ts and world_properties.ts judge (recorded by recorder.ts).
//
// Every spawned process is a probe: it can be monitored (a target), can monitor (a
// subscriber), and sends, ERTS-monitors and sets timers when a step says so. The client
// API runs inside the probe, at the step's virtual time, as it would in an Elixir
// process. The world uses the default cost model (handlers take CPU time, so processes on
// different schedulers race) and a short net_ticktime.
//
// A run: ZenMonitor boots on each node within 100 ms; the steps run; at `faultsEndMs`
// every cut is healed, latencies restored and the cluster re-forms; once every pair of
// nodes running ZenMonitor is settled (its disturbances over, graces included:
// facts.ts), a recovery probe on each pair monitors a fresh process that then exits
// (recovery.ts); the run ends when nothing but idle sweeps and demand ticks happened for
// 3 s (or 120 s after the settle time: not quiet).
//
// Rules: nothing here reads the wall clock or any randomness but the world's; indices in
// the schedule are taken modulo what exists when a step runs, and the run records the
// indices it used (`replayable`: the schedule a replay file holds).
import type { ZenConfig } from '../../core/config.js';
import type { EventsMsg } from '../../core/messages.js';
import { assertNever, atom, int, tuple, type Pid, type Term } from '../../core/terms.js';
import type { TraceSink } from '../engine/kernel.js';
import type { Ctx, DownSignal, Handling, Proc, Steps } from '../beam/process.js';
import { World } from '../beam/world.js';
import { DISPATCHER, ZenCluster, type ComponentSteps, type ZenProcess } from '../zen/cluster.js';
import { type DemonitorObs, type ErtsMonitorObs, type FaultObs, type MessageObs, type MonitorObs, nodeEnd, type NodeEnd, type Observations, pairKey, type RecoveryObs, type RunView, type TimerObs } from './observations.js';
import { closeInterval, openInterval, Recorder } from './recorder.js';
import { planRecovery } from './recovery.js';
import { CHECK_NET_TICKTIME_S, MAX_PROCS, nodeName, orderedSteps, REASONS, scheduleConfig, ZEN_COMPONENTS, type NodeShape, type Schedule, type Step } from './schedule.js';

/** ZenMonitor boots on each node within this many µs; the script starts then. */
const BOOT_US = 100_000;
/** After the faults stop, the run lasts at least this long: 2 × net_ticktime + a call timeout. */
const SETTLE_US = (2 * CHECK_NET_TICKTIME_S + 5) * 1_000_000;
/** Quiet: nothing but idle sweeps and demand ticks for this long. */
const QUIET_US = 3_000_000;
/** Give up waiting for quiet this long after the settle time. */
const MAX_WAIT_US = 120_000_000;
const STEP_US = 1_000_000;
/** After the faults stop, running nodes are connected again this often until the last recovery probe. */
const RECONNECT_US = 1_000_000;
const RUN = atom('$check_run');
/** CPU a probe spends on each DOWN it handles (a subscriber acting on it), so that DOWNs queue behind one another. */
const PROBE_DOWN_US = 20;
const MSG = atom('check_msg');
const TIMER = atom('check_timer');

export type RunOptions = {
  /** Replaced component step functions (tests). */
  steps?: Partial<ComponentSteps>;
  /** One JSON line per executed event. */
  trace?: TraceSink;
  /** Called with the world and ZenMonitor right after the hooks are set (tests and debugging look in; chain, do not replace, the hooks). */
  attach?: (world: World, zen: ZenCluster) => void;
};

/** Runs `s` to quiet and returns what happened (throws what the simulation throws). */
export function runSchedule(s: Schedule, opts: RunOptions = {}): Observations {
  const run = new CheckRun(s, opts);
  try {
    return run.run();
  } catch (e) {
    if (typeof e === 'object' && e !== null) CRASHED_REPLAYABLE.set(e, run.replayableSoFar());
    throw e;
  }
}

/** For an error a run threw, the schedule as far as it ran (steps not reached left out): it replays to the same crash. */
export const CRASHED_REPLAYABLE = new WeakMap<object, Schedule>();

type Action = (ctx: Ctx) => void | Handling;

class CheckRun implements RunView {
  private readonly world: World;
  readonly zen: ZenCluster;
  readonly names: string[];
  private readonly config: ZenConfig;
  private readonly rec: Recorder;
  readonly procs: { node: number; pid: Pid }[] = [];
  private readonly queues = new Map<number, Action[]>();
  private readonly monitors: MonitorObs[] = [];
  private readonly demonitors: DemonitorObs[] = [];
  private readonly faults: FaultObs[] = [];
  private readonly maxLatencyUs = new Map<string, number>();
  private readonly ertsMonitors: ErtsMonitorObs[] = [];
  private readonly messages: MessageObs[] = [];
  private readonly timers: TimerObs[] = [];
  private readonly recovery: RecoveryObs[] = [];
  private recoverySkipped: string[] = [];
  private readonly msgCount = new Map<string, number>();
  /** Each step as it ran, indices resolved (null: it named nothing that existed). */
  private readonly resolved = new Map<Step, Step | null>();
  /** DOWNs (ref uids) on whose handling the subscriber flushes all its other monitors. */
  private readonly flushOnDown = new Set<number>();
  /** Racing flushes armed, by ref uid. */
  private readonly races = new Map<number, { monitor: number; raceUs: number }[]>();
  /** Reconnect the cluster until then (the last recovery probe). */
  private reconnectUntilUs = 0;

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
    this.rec = new Recorder(this.world, this.zen, this.names, (proc) => this.procs[proc]?.node ?? -1, (uid) => this.queues.delete(uid));
    this.rec.install();
    this.world.onSliceStart = (p, startUs, msg) => {
      if (this.races.size > 0 && p.registeredName === DISPATCHER && (msg as { kind?: unknown }).kind === 'events') this.startRaces(msg as EventsMsg, startUs);
    };
    opts.attach?.(this.world, this.zen);
  }

  run(): Observations {
    const { world, s } = this;
    for (let i = 0; i < this.names.length; i++) {
      for (let j = i + 1; j < this.names.length; j++) world.net.ensureConnected(this.name(i), this.name(j));
      // ZenMonitor boots at a seeded moment (as in sim/run/runner.ts), or never.
      openInterval(this.rec.zenDown, i, 0);
      if ((s.nodes[i] as NodeShape).zen) world.at(Math.floor(world.rng.stream(`boot/${this.names[i]}`).float() * BOOT_US), () => this.startZen(i));
    }
    world.at(BOOT_US, () => s.procs.forEach((n) => this.spawn(this.node(n))));
    for (const step of orderedSteps(s)) world.at(BOOT_US + Math.round(step.atMs * 1000), () => this.step(step));
    const faultsEndUs = BOOT_US + s.faultsEndMs * 1000;
    world.at(faultsEndUs, () => this.recover());
    const lastStepUs = Math.max(faultsEndUs, ...s.steps.map((st) => BOOT_US + Math.round(st.atMs * 1000)));
    const minEndUs = lastStepUs + SETTLE_US;
    this.reconnectUntilUs = minEndUs;
    world.kernel.run({ untilUs: minEndUs });
    const probesDoneUs = this.probeRecovery(minEndUs);
    let quiet = false;
    for (let t = minEndUs; t <= minEndUs + MAX_WAIT_US; t += STEP_US) {
      world.kernel.run({ untilUs: t });
      if (t >= probesDoneUs && t - this.rec.lastActivityUs >= QUIET_US) {
        quiet = true;
        break;
      }
    }
    return this.observe(faultsEndUs, quiet);
  }

  // ---- steps ------------------------------------------------------------------------------------

  private node(i: number): number {
    return ((i % this.names.length) + this.names.length) % this.names.length;
  }

  private procAt(i: number): number | undefined {
    return this.procs.length === 0 ? undefined : i % this.procs.length;
  }

  private monitorAt(i: number): number | undefined {
    return this.monitors.length === 0 ? undefined : i % this.monitors.length;
  }

  /** The step with the indices this run resolves it to; null when it names nothing that exists. */
  private resolve(step: Step): Step | null {
    const proc = (i: number) => this.procAt(i);
    const mon = (i: number) => this.monitorAt(i);
    const all = <T extends Step>(x: T, vals: (number | undefined)[]): T | null => (vals.some((v) => v === undefined) ? null : x);
    switch (step.op) {
      case 'spawn':
      case 'crash':
      case 'restart':
      case 'stop_zen':
      case 'start_zen':
      case 'restart_zen':
        return { ...step, node: this.node(step.node) };
      case 'partition':
      case 'partition_one_way':
      case 'heal':
      case 'latency':
      case 'connect':
        return { ...step, a: this.node(step.a), b: this.node(step.b) };
      case 'kill_zen':
        return { ...step, node: this.node(step.node), component: step.component % ZEN_COMPONENTS.length, peer: this.node(step.peer) };
      case 'monitor':
      case 'monitor_burst':
      case 'erts_monitor': {
        const [sub, target] = [proc(step.sub), proc(step.target)];
        return all({ ...step, sub: sub ?? 0, target: target ?? 0 }, [sub, target]);
      }
      case 'demonitor':
      case 'demonitor_flush':
      case 'remonitor':
      case 'flush_others_on_down': {
        const m = mon(step.monitor);
        return all({ ...step, monitor: m ?? 0 }, [m]);
      }
      case 'kill':
      case 'kill_burst':
      case 'subscriber_exit':
      case 'send_after': {
        const p = proc(step.proc);
        return all({ ...step, proc: p ?? 0 }, [p]);
      }
      case 'send': {
        const [p, to] = [proc(step.proc), proc(step.to)];
        return all({ ...step, proc: p ?? 0, to: to ?? 0 }, [p, to]);
      }
      default:
        return assertNever(step);
    }
  }

  private step(raw: Step): void {
    this.rec.lastActivityUs = this.world.nowUs;
    const step = this.resolve(raw);
    this.resolved.set(raw, step);
    if (step === null) return;
    switch (step.op) {
      case 'spawn':
        return void this.spawn(step.node);
      case 'monitor':
        return this.monitor(step.sub, step.target);
      case 'monitor_burst':
        return this.monitorBurst(step.sub, step.target, step.count);
      case 'demonitor':
        return this.demonitor(step.monitor, false);
      case 'demonitor_flush':
        if (step.raceUs !== undefined) return this.armRace(step.monitor, step.raceUs);
        return this.demonitor(step.monitor, true);
      case 'remonitor':
        return this.remonitor(step.monitor);
      case 'flush_others_on_down':
        return void this.flushOnDown.add((this.monitors[step.monitor] as MonitorObs).ref.uid);
      case 'kill':
        return this.kill(step.proc, step.reason);
      case 'kill_burst':
        for (let k = 0; k < step.count; k++) this.kill((step.proc + k) % this.procs.length, step.reason);
        return;
      case 'subscriber_exit':
        return this.inside((this.procs[step.proc] as { pid: Pid }).pid, (ctx) => ctx.stop(reasonTerm(step.reason)));
      case 'send':
        return this.send(step.proc, step.to, step.count);
      case 'erts_monitor':
        return this.ertsMonitor(step.sub, step.target);
      case 'send_after':
        return this.sendAfter(step.proc, step.ms);
      default:
        return this.fault(step);
    }
  }

  /** An exit signal to a live probe, from its own node (`Process.exit(pid, reason)` there). */
  private kill(proc: number, reason: number): void {
    const p = this.procs[proc] as { pid: Pid };
    if (this.world.alive(p.pid) !== undefined) this.world.exit(p.pid, reasonTerm(reason), p.pid.node);
  }

  private fault(step: Step): void {
    const w = this.world;
    const detail = (x: string): void => void this.faults.push({ atUs: w.nowUs, op: step.op, detail: x });
    const up = (n: number) => w.node(this.name(n)).up;
    switch (step.op) {
      case 'crash':
        if (!up(step.node)) return;
        w.crash(this.name(step.node));
        openInterval(this.rec.zenDown, step.node, w.nowUs);
        return detail(this.name(step.node));
      case 'restart':
        if (up(step.node)) return;
        w.restart(this.name(step.node));
        if ((this.s.nodes[step.node] as NodeShape).zen) this.startZen(step.node);
        // A restarted node joins its cluster again (as a release with libcluster would).
        for (let m = 0; m < this.names.length; m++) if (m !== step.node && up(m)) w.net.ensureConnected(this.name(step.node), this.name(m));
        return detail(this.name(step.node));
      case 'partition':
      case 'partition_one_way':
        if (step.a === step.b) return;
        w.net.partition(this.name(step.a), this.name(step.b), step.op === 'partition_one_way');
        openInterval(this.rec.cuts, pairKey(step.a, step.b), w.nowUs);
        if (step.op === 'partition') openInterval(this.rec.cuts, pairKey(step.b, step.a), w.nowUs);
        return detail(`${this.name(step.a)} ${step.op === 'partition' ? '<->' : '->'} ${this.name(step.b)}`);
      case 'heal':
        if (step.a === step.b) return;
        this.heal(step.a, step.b);
        return detail(`${this.name(step.a)} <-> ${this.name(step.b)}`);
      case 'latency':
        if (step.a === step.b) return;
        w.net.setLatency(this.name(step.a), this.name(step.b), step.ms * 1000);
        for (const k of [pairKey(step.a, step.b), pairKey(step.b, step.a)]) this.maxLatencyUs.set(k, Math.max(this.maxLatencyUs.get(k) ?? 0, step.ms * 1000));
        return detail(`${this.name(step.a)} <-> ${this.name(step.b)} ${step.ms} ms`);
      case 'stop_zen':
        if (this.zen.app(this.name(step.node)) === undefined) return;
        this.zen.stop(this.name(step.node));
        openInterval(this.rec.zenDown, step.node, w.nowUs);
        return detail(this.name(step.node));
      case 'start_zen':
        if (!up(step.node) || this.zen.app(this.name(step.node)) !== undefined) return;
        this.startZen(step.node);
        return detail(this.name(step.node));
      case 'restart_zen':
        if (this.zen.app(this.name(step.node)) === undefined) return;
        this.zen.stop(this.name(step.node));
        openInterval(this.rec.zenDown, step.node, w.nowUs);
        this.startZen(step.node);
        return detail(this.name(step.node));
      case 'connect':
        if (step.a === step.b || !up(step.a) || !up(step.b)) return;
        w.net.ensureConnected(this.name(step.a), this.name(step.b));
        return detail(`${this.name(step.a)} -> ${this.name(step.b)}`);
      case 'kill_zen': {
        const which = ZEN_COMPONENTS[step.component] as ZenProcess;
        const killed = this.zen.kill(this.name(step.node), which, this.name(step.peer));
        if (killed === undefined) return;
        this.rec.zenKills.push({ atUs: w.nowUs, node: step.node, which, peer: step.peer, pid: killed.uid });
        return detail(`${which}${which === 'connector' || which === 'batcher' ? ` for ${this.name(step.peer)}` : ''} on ${this.name(step.node)}`);
      }
      default:
        throw new Error(`not a fault: ${step.op}`);
    }
  }

  /**
   * The faults stop: every cut healed, latencies restored; then every second until the
   * last recovery probe, each pair of running nodes is connected if it is not (the
   * cluster re-forms, as libcluster's polling would; a side that has not noticed its old
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
    this.reconnect();
    this.rec.lastActivityUs = w.nowUs;
  }

  /** Connects every pair of running nodes that is not; again every second until `reconnectUntilUs`. */
  private reconnect(): void {
    const w = this.world;
    for (let a = 0; a < this.names.length; a++) {
      for (let b = a + 1; b < this.names.length; b++) {
        if (w.node(this.name(a)).up && w.node(this.name(b)).up) w.net.ensureConnected(this.name(a), this.name(b));
      }
    }
    if (w.nowUs + RECONNECT_US < this.reconnectUntilUs) w.at(w.nowUs + RECONNECT_US, () => this.reconnect());
  }

  private heal(a: number, b: number): void {
    this.world.net.heal(this.name(a), this.name(b));
    closeInterval(this.rec.cuts, pairKey(a, b), this.world.nowUs);
    closeInterval(this.rec.cuts, pairKey(b, a), this.world.nowUs);
  }

  private name(i: number): string {
    return this.names[i] as string;
  }

  private startZen(n: number): void {
    this.zen.start(this.name(n), this.s.zen);
    closeInterval(this.rec.zenDown, n, this.world.nowUs);
  }

  /** Spawns a probe on node `n` (if it is up and the run has room); its process index, if spawned. */
  private spawn(n: number, room = MAX_PROCS): number | undefined {
    if (!this.world.node(this.name(n)).up || this.procs.length >= room) return undefined;
    const index = this.procs.length;
    const pid = this.world.spawn(this.name(n), {
      handle: (ctx, msg) => {
        if (msg === RUN) return this.queues.get(ctx.self.uid)?.shift()?.(ctx);
        if ((msg as { kind?: unknown }).kind !== 'DOWN') return;
        ctx.cpu(PROBE_DOWN_US);
        const uid = (msg as DownSignal).ref.uid;
        if (this.rec.ertsRefs.has(uid)) return;
        this.rec.handledDown(msg);
        return this.flushOnDown.delete(uid) ? this.flushOthers(ctx, uid) : undefined;
      },
    });
    this.procs.push({ node: n, pid });
    this.rec.procIndex.set(pid.uid, index);
    return index;
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

  // ---- ZenMonitor's client API, inside the probes ------------------------------------------------

  private monitor(subProc: number, targetProc: number, then?: (m: MonitorObs) => void): void {
    const check = this;
    this.inside((this.procs[subProc] as { pid: Pid }).pid, function* (ctx) {
      if (check.zen.app(ctx.node) === undefined) return;
      const m = yield* check.monitorInside(ctx, subProc, targetProc);
      then?.(m);
    });
  }

  /** `count` monitors by one subscriber, of the processes from `target` on, in one handler (as a herd's subscriber makes them). */
  private monitorBurst(subProc: number, target: number, count: number): void {
    const check = this;
    this.inside((this.procs[subProc] as { pid: Pid }).pid, function* (ctx) {
      if (check.zen.app(ctx.node) === undefined) return;
      for (let k = 0; k < count; k++) yield* check.monitorInside(ctx, subProc, (target + k) % check.procs.length);
    });
  }

  private *monitorInside(ctx: Ctx, subProc: number, targetProc: number): Steps<MonitorObs> {
    const sub = this.procs[subProc] as { node: number; pid: Pid };
    const target = this.procs[targetProc] as { node: number; pid: Pid };
    const ref = yield* this.zen.timed.monitor(ctx, target.pid);
    const m: MonitorObs = {
      id: this.monitors.length,
      sub: subProc,
      subNode: sub.node,
      target: targetProc,
      targetNode: target.node,
      targetPid: target.pid,
      ref,
      atUs: this.world.nowUs,
      seq: ++this.rec.seq,
    };
    this.monitors.push(m);
    return m;
  }

  /** Arms a racing demonitor(ref, [:flush]) (see the `raceUs` of a demonitor_flush step). */
  private armRace(monitor: number, raceUs: number): void {
    const m = this.monitors[monitor] as MonitorObs;
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

  private demonitor(monitor: number, flush: boolean): void {
    const m = this.monitors[monitor] as MonitorObs;
    const sub = this.procs[m.sub] as { pid: Pid };
    const check = this;
    this.inside(sub.pid, function* (ctx) {
      if (check.zen.app(ctx.node) !== undefined) yield* check.demonitorInside(ctx, m, flush);
    });
  }

  private *demonitorInside(ctx: Ctx, m: MonitorObs, flush: boolean): Steps<void> {
    yield* this.zen.timed.demonitor(ctx, m.ref, flush ? ['flush'] : []);
    this.demonitors.push({
      monitor: m.id,
      flush,
      atUs: this.world.nowUs,
      seq: ++this.rec.seq,
      downsInMailboxAfter: countDowns(this.world.proc(ctx.self) as Proc, m.ref.uid),
    });
  }

  /** On the DOWN of ref `uid` (so armed): demonitor(ref, [:flush]) on every other monitor of the handling process. */
  private *flushOthers(ctx: Ctx, uid: number): Handling {
    if (this.zen.app(ctx.node) === undefined) return;
    const sub = this.rec.procIndex.get(ctx.self.uid);
    for (const m of this.monitors) if (m.sub === sub && m.ref.uid !== uid) yield* this.demonitorInside(ctx, m, true);
  }

  /** demonitor(ref) and at once monitor(target) again, in one handler: both instructions land in one sweep. */
  private remonitor(monitor: number): void {
    const m = this.monitors[monitor] as MonitorObs;
    const sub = this.procs[m.sub] as { pid: Pid };
    const check = this;
    this.inside(sub.pid, function* (ctx) {
      if (check.zen.app(ctx.node) === undefined) return;
      yield* check.demonitorInside(ctx, m, false);
      yield* check.monitorInside(ctx, m.sub, m.target);
    });
  }

  // ---- plain ERTS traffic ------------------------------------------------------------------------

  private send(from: number, to: number, count: number): void {
    const [p, q] = [this.procs[from] as { pid: Pid }, this.procs[to] as { pid: Pid }];
    this.inside(p.pid, (ctx) => {
      for (let i = 0; i < count; i++) {
        const key = `${from}>${to}`;
        const n = (this.msgCount.get(key) ?? 0) + 1;
        this.msgCount.set(key, n);
        const msg = tuple(MSG, int(n));
        const obs: MessageObs = { from, to, n, sentUs: ctx.nowUs(), deliveredUs: null, deliveredSeq: null };
        this.messages.push(obs);
        this.rec.inFlight.set(msg, obs);
        ctx.send(q.pid, msg);
      }
    });
  }

  private ertsMonitor(sub: number, target: number): void {
    const [w, t] = [this.procs[sub] as { node: number; pid: Pid }, this.procs[target] as { node: number; pid: Pid }];
    this.inside(w.pid, (ctx) => {
      const ref = ctx.monitor(t.pid);
      const id = this.ertsMonitors.length;
      this.rec.ertsRefs.set(ref.uid, id);
      this.ertsMonitors.push({ id, sub, subNode: w.node, target, targetNode: t.node, targetPid: t.pid, refUid: ref.uid, atUs: ctx.nowUs(), seq: ++this.rec.seq });
    });
  }

  private sendAfter(proc: number, ms: number): void {
    this.inside((this.procs[proc] as { pid: Pid }).pid, (ctx) => {
      const msg = tuple(TIMER, int(this.timers.length));
      const obs: TimerObs = { proc, ms, setUs: ctx.nowUs(), firedUs: null };
      this.timers.push(obs);
      this.rec.timersInFlight.set(msg, obs);
      ctx.sendAfter(ms, msg);
    });
  }

  /** The schedule as far as this run got, as a replay file holds it: the steps that ran, resolved (all of them once it is quiet; see CRASHED_REPLAYABLE). */
  replayableSoFar(): Schedule {
    return {
      ...this.s,
      procs: this.s.procs.map((n) => this.node(n)),
      steps: this.s.steps.flatMap((st) => this.resolved.get(st) ?? []),
    };
  }

  // ---- recovery ------------------------------------------------------------------------------

  /**
   * Plans a recovery probe on every settled pair of nodes running ZenMonitor (a fresh
   * subscriber on s monitors a fresh process on t, which later exits); returns when the
   * last one's target exits. The cluster keeps re-forming until then.
   */
  private probeRecovery(minEndUs: number): number {
    const plan = planRecovery(this.rec, this.config, this.names.length, {
      up: (n) => this.world.node(this.name(n)).up,
      zen: (n) => this.zen.app(this.name(n)) !== undefined,
      fromUs: minEndUs,
    });
    this.recoverySkipped = plan.skipped;
    let lastUs = minEndUs;
    plan.probes.forEach(({ s, t, atUs, killUs }, i) => {
      lastUs = Math.max(lastUs, killUs);
      this.world.at(atUs, () => this.startProbe(s, t, reasonTerm(i), killUs));
    });
    this.reconnectUntilUs = lastUs;
    this.world.at(minEndUs, () => this.reconnect());
    return lastUs;
  }

  private startProbe(s: number, t: number, reason: Term, killUs: number): void {
    if (s !== t && !this.world.net.connected(this.name(s), this.name(t))) {
      return void this.recoverySkipped.push(`${this.name(s)} -> ${this.name(t)}: not connected when its probe was due`);
    }
    const sub = this.spawn(s, Infinity);
    const target = this.spawn(t, Infinity);
    if (sub === undefined || target === undefined) return;
    this.monitor(sub, target, (m) => {
      this.recovery.push({ monitor: m.id, s, t, reason, killUs });
      this.world.at(killUs, () => this.inside((this.procs[target] as { pid: Pid }).pid, (ctx) => ctx.stop(reason)));
    });
  }

  // ---- the end ------------------------------------------------------------------------------

  private observe(faultsEndUs: number, quiet: boolean): Observations {
    const w = this.world;
    const r = this.rec;
    r.markLeftInMailboxes(this.procs);
    const ends: NodeEnd[] = [];
    for (let n = 0; n < this.names.length; n++) {
      const end = nodeEnd(this, n);
      if (end !== undefined) ends.push(end);
    }
    return {
      schedule: this.s,
      replayable: this.replayableSoFar(),
      config: this.config,
      procs: this.procs,
      monitors: this.monitors,
      demonitors: this.demonitors,
      downs: r.downs,
      deaths: r.deaths,
      faults: this.faults,
      connDown: r.connDown,
      connEvents: r.connEvents,
      cuts: r.cuts,
      zenDown: r.zenDown,
      zenKills: r.zenKills,
      rate: r.rate,
      maxLatencyUs: this.maxLatencyUs,
      dispatcherSlices: r.dispatcherSlices,
      asks: r.asks,
      handOvers: r.handOvers,
      eventsIn: r.eventsIn,
      chunks: r.chunks,
      connectorDemonitors: r.connectorDemonitors,
      connectorMonitors: r.connectorMonitors,
      fires: r.fires,
      ertsMonitors: this.ertsMonitors,
      ertsDowns: r.ertsDowns,
      messages: this.messages,
      timers: this.timers,
      recovery: this.recovery,
      recoverySkipped: this.recoverySkipped,
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
    return this.rec.procIndex.get(pid.uid) ?? -1;
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

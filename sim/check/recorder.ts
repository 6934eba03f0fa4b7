// The observing half of a check run (run.ts drives, this file watches): the world's
// hooks turned into the observations of observations.ts. It sees every delivery (DOWNs
// to probes, numbered messages and timers, the demand reaching Local, the chunks reaching
// Proxies and Connectors, the events reaching Dispatchers), every handled message of a
// Dispatcher, of Local and of a Connector (demand ticks and batches; hand-overs; a
// Connector firing all its monitors, read from its state after the handler), every death
// of a probe and every connection event.
//
// Rules: it only reads (the world, ZenMonitor's tables and component states); what it
// records is plain data ordered by `seq`, the order in which things happened.
import type { ConnectorState } from '../../core/connector.js';
import type { AskMsg, DeadMsg, DemonitorMsg, EventsMsg, MonitorMsg, ProcessMsg } from '../../core/messages.js';
import type { Pid, Term } from '../../core/terms.js';
import type { DownSignal, Proc } from '../beam/process.js';
import type { World } from '../beam/world.js';
import { DISPATCHER, LOCAL, type ZenCluster } from '../zen/cluster.js';
import type {
  AskObs,
  ChunkObs,
  ConnEvent,
  DeathObs,
  DispatcherSlice,
  DownObs,
  ErtsDownObs,
  EventsObs,
  FireObs,
  HandOverSlice,
  Interval,
  MessageObs,
  RateWindow,
  TimerObs,
  ZenKillObs,
} from './observations.js';
import { pairKey, push } from './observations.js';

/** Messages that are not activity: idle timers and the Dispatcher's demand. */
const IDLE_KINDS = new Set(['sweep', 'generate_demand', 'ask']);
const NOTHING: number[] = [];
/** Inputs on which a Connector may fire all its monitors (`do_down`). */
const FIRE_INPUTS = new Set(['sweep', 'call_result', 'nodedown', 'DOWN']);

export class Recorder {
  seq = 0;
  lastActivityUs = 0;
  readonly downs: DownObs[] = [];
  readonly deaths: DeathObs[] = [];
  readonly connDown = new Map<string, Interval[]>();
  readonly connEvents = new Map<string, ConnEvent[]>();
  readonly cuts = new Map<string, Interval[]>();
  readonly zenDown = new Map<number, Interval[]>();
  readonly rate: RateWindow[] = [];
  readonly dispatcherSlices: DispatcherSlice[] = [];
  readonly asks: AskObs[] = [];
  readonly handOvers: HandOverSlice[] = [];
  readonly eventsIn: EventsObs[] = [];
  readonly chunks: ChunkObs[] = [];
  readonly connectorDemonitors = new Set<number>();
  readonly connectorMonitors = new Set<number>();
  readonly fires: FireObs[] = [];
  /** Each of ZenMonitor's processes killed by a `kill_zen` step (run.ts records them). */
  readonly zenKills: ZenKillObs[] = [];
  readonly ertsDowns: ErtsDownObs[] = [];
  /** Process index by pid uid. */
  readonly procIndex = new Map<number, number>();
  /** ERTS monitor id by ref uid. */
  readonly ertsRefs = new Map<number, number>();
  /** Numbered messages and timer messages in flight, by message object. */
  readonly inFlight = new Map<Term, MessageObs>();
  readonly timersInFlight = new Map<Term, TimerObs>();
  private readonly lastWindow = new Map<number, RateWindow>();
  /** DOWNs delivered and not handled yet, by message object (a list: one object may be sent twice). */
  private readonly pendingDowns = new Map<unknown, DownObs[]>();
  /** DOWNs handled before the delivery hook saw them (handled at once by an idle probe), with when. */
  private readonly handledEarly = new Map<unknown, number>();
  /** Each Connector's targets (pid uids, monitored or with instructions pending) after its last handler. */
  private readonly held = new Map<number, readonly number[]>();
  /** ZenMonitor processes that are not Connectors (Proxies, Batchers), by pid uid. */
  private readonly others = new Set<number>();

  constructor(
    private readonly world: World,
    private readonly zen: ZenCluster,
    private readonly names: readonly string[],
    private readonly nodeOf: (proc: number) => number,
    private readonly onProbeDeath: (uid: number) => void,
  ) {}

  install(): void {
    const w = this.world;
    w.onDeliver = (p, msg) => this.delivered(p, msg);
    w.onSlice = (p, startUs, durUs, msg) => this.slice(p, startUs, startUs + durUs, msg);
    w.onExit = (p, reason) => {
      const proc = this.procIndex.get(p.uid);
      if (proc === undefined) return;
      this.deaths.push({ proc, atUs: w.nowUs, seq: ++this.seq, reason, crash: !w.nodeOf(p).up });
      this.onProbeDeath(p.uid);
    };
    w.onConnection = (node, peer, up) => {
      const a = this.names.indexOf(node);
      const b = this.names.indexOf(peer);
      if (a < 0 || b < 0) return;
      this.lastActivityUs = w.nowUs;
      push(this.connEvents, pairKey(a, b), { atUs: w.nowUs, up });
      if (up) closeInterval(this.connDown, pairKey(a, b), w.nowUs);
      else openInterval(this.connDown, pairKey(a, b), w.nowUs);
    };
  }

  /** A probe handled a DOWN (called from its handler). */
  handledDown(msg: unknown): void {
    const list = this.pendingDowns.get(msg);
    const obs = list?.shift();
    if (obs !== undefined) {
      obs.handledUs = this.world.nowUs;
      obs.handledSeq = ++this.seq;
    } else this.handledEarly.set(msg, this.world.nowUs);
    if (list?.length === 0) this.pendingDowns.delete(msg);
  }

  /** Marks the DOWNs still in the probes' mailboxes at the end. */
  markLeftInMailboxes(procs: readonly { pid: Pid }[]): void {
    for (const { pid } of procs) {
      const p = this.world.alive(pid);
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
  }

  // ---- deliveries -------------------------------------------------------------------------

  private delivered(p: Proc, msg: unknown): void {
    const w = this.world;
    const kind = (msg as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !IDLE_KINDS.has(kind)) this.lastActivityUs = w.nowUs;
    switch (kind) {
      case 'DOWN':
        return this.down(p, msg as DownSignal);
      case 'ask': {
        const a = msg as AskMsg;
        if (this.singletonNode(p, LOCAL) !== undefined) this.asks.push({ dispatcher: a.from.pid.uid, n: a.n, atUs: w.nowUs });
        return;
      }
      case 'events': {
        const node = this.singletonNode(p, DISPATCHER);
        const events = (msg as EventsMsg).events;
        if (node !== undefined) this.eventsIn.push({ node, dispatcher: p.uid, k: events.length, atUs: w.nowUs, refs: events.map((e) => e.down.ref.uid) });
        return;
      }
      case 'process': {
        const m = msg as ProcessMsg;
        const subscribes = m.instructions.flatMap((ins) => (ins.op === 'subscribe' && ins.target.t === 'pid' ? [ins.target.uid] : []));
        return void this.chunks.push({ kind: 'process', node: this.names.indexOf(p.pid.node), size: m.instructions.length, atUs: w.nowUs, connector: m.connector.uid, subscribes });
      }
      case 'demonitor':
        return void this.connectorDemonitors.add((msg as DemonitorMsg).ref.uid);
      case 'monitor':
        return void this.connectorMonitors.add((msg as MonitorMsg).ref.uid);
      case 'dead':
        return void this.chunks.push({ kind: 'dead', node: this.names.indexOf(p.pid.node), size: (msg as DeadMsg).certificates.length, atUs: w.nowUs });
      default: {
        const m = this.inFlight.get(msg as Term);
        if (m !== undefined) {
          this.inFlight.delete(msg as Term);
          m.deliveredUs = w.nowUs;
          m.deliveredSeq = ++this.seq;
        }
        const t = this.timersInFlight.get(msg as Term);
        if (t !== undefined) {
          this.timersInFlight.delete(msg as Term);
          t.firedUs = w.nowUs;
        }
      }
    }
  }

  private down(p: Proc, d: DownSignal): void {
    const w = this.world;
    const proc = this.procIndex.get(p.uid);
    if (proc === undefined) return;
    const erts = this.ertsRefs.get(d.ref.uid);
    if (erts !== undefined) {
      this.ertsDowns.push({ monitor: erts, object: d.object, reason: d.reason, deliveredUs: w.nowUs, seq: ++this.seq });
      return;
    }
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
    const early = this.handledEarly.get(d);
    if (early !== undefined) {
      this.handledEarly.delete(d);
      obs.handledUs = early;
      obs.handledSeq = ++this.seq;
    } else push(this.pendingDowns, d, obs);
    const win = this.lastWindow.get(this.nodeOf(proc));
    if (win !== undefined) win.delivered++;
  }

  // ---- handled messages of ZenMonitor's processes ---------------------------------------------

  private slice(p: Proc, startUs: number, endUs: number, msg: unknown): void {
    const kind = (msg as { kind?: unknown }).kind;
    const dispatcherNode = this.singletonNode(p, DISPATCHER);
    if (dispatcherNode !== undefined) return this.dispatcherSlice(p.uid, dispatcherNode, startUs, endUs, kind, msg);
    const localNode = this.singletonNode(p, LOCAL);
    if (localNode !== undefined) {
      if (kind === 'ask') this.handOvers.push({ node: localNode, n: (msg as AskMsg).n, startUs, endUs });
      return;
    }
    if (this.procIndex.has(p.uid) || this.others.has(p.uid)) return;
    if (this.held.has(p.uid) || this.isConnector(p)) this.connectorSlice(p, kind);
    // A Connector is in its app's registry before its first handler but a call result (its init) runs.
    else if (kind !== 'call_result') this.others.add(p.uid);
  }

  private dispatcherSlice(uid: number, node: number, startUs: number, endUs: number, kind: unknown, msg: unknown): void {
    if (kind === 'generate_demand') {
      const win: RateWindow = { node, tickUs: startUs, delivered: 0 };
      this.rate.push(win);
      this.lastWindow.set(node, win);
      this.dispatcherSlices.push({ node, dispatcher: uid, startUs, endUs, events: null });
    } else if (kind === 'events') {
      const events = (msg as EventsMsg).events.map((e) => ({ sub: this.procIndex.get(e.subscriber.uid) ?? -1, refUid: e.down.ref.uid }));
      this.dispatcherSlices.push({ node, dispatcher: uid, startUs, endUs, events });
    }
  }

  /** The node index of ZenMonitor's singleton registered as `name`, if `p` is (or was) it: found by name, as a restart gives it a new pid. */
  private singletonNode(p: Proc, name: string): number | undefined {
    return p.registeredName === name ? this.names.indexOf(p.pid.node) : undefined;
  }

  private isConnector(p: Proc): boolean {
    const app = this.zen.app(p.pid.node);
    if (app === undefined) return false;
    for (const pid of app.connectors.values()) if (pid.uid === p.uid) return true;
    return false;
  }

  /**
   * After a Connector's handler: what it holds now. It fired all its monitors when it held
   * something before, holds nothing now, and the remote is not compatible in its node's
   * table (do_down runs exactly when the Connector finds or makes the remote incompatible
   * or unavailable).
   */
  private connectorSlice(p: Proc, kind: unknown): void {
    const st = this.zen.inspectState(p.pid) as ConnectorState | undefined;
    if (st === undefined) return;
    const now: number[] = st.monitors.size + st.batch.length === 0 ? NOTHING : [];
    st.monitors.forEach((group) => {
      if (group.target.t === 'pid') now.push(group.target.uid);
    });
    if (st.batch.length > 0) for (const ins of st.batch.toArray()) if (ins.target.t === 'pid') now.push(ins.target.uid);
    const before = this.held.get(p.uid) ?? [];
    this.held.set(p.uid, now);
    if (!FIRE_INPUTS.has(kind as string) || before.length === 0 || st.monitors.size > 0 || st.batch.length > 0) return;
    if (this.zen.app(p.pid.node)?.tables.nodes.get(st.remote)?.kind === 'compatible') return;
    this.fires.push({
      node: this.names.indexOf(p.pid.node),
      remote: this.names.indexOf(st.remote),
      connector: p.uid,
      atUs: this.world.nowUs,
      targets: [...new Set(before)],
    });
  }
}

export function openInterval<K>(m: Map<K, Interval[]>, key: K, atUs: number): void {
  const last = m.get(key)?.at(-1);
  if (last !== undefined && last.toUs === Infinity) return;
  push(m, key, { fromUs: atUs, toUs: Infinity });
}

export function closeInterval<K>(m: Map<K, Interval[]>, key: K, atUs: number): void {
  const last = m.get(key)?.at(-1);
  if (last !== undefined && last.toUs === Infinity) last.toUs = atUs;
}

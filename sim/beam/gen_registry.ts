// GenRegistry (github.com/discord/gen_registry v1.0.2, lib/gen_registry.ex), which
// ZenMonitor uses for its Connectors and Batchers, as a simulated process: a registry
// that traps exits and owns a public named ETS table (named after its worker module,
// under which it is also registered) of `{id, pid}` rows.
// - `lookup(table, id)` reads the table directly, with no message;
// - `lookup_or_start(registry, id, args, timeout)` is a GenServer call that blocks its
//   caller: the registry looks the id up in its table and replies `{:ok, pid}` if a row
//   is there (even for a worker that died but whose `:EXIT` it has not handled yet);
//   otherwise it starts a worker with `start_link(args)`, linked to itself (and blocks
//   while it starts), inserts the row, remembers the worker (its process dictionary) and
//   replies `{:ok, pid}`, or `{:error, reason}` if the start failed;
// - a worker's `:EXIT` deletes its row (nothing restarts it: the next lookup_or_start does);
// - an exit signal from its parent (its supervisor's shutdown) runs `terminate`: it
//   unlinks and kills (`:kill`) every worker it started, then exits; its table goes with it;
// - any other call is answered `{:error, GenRegistry}`; other messages are ignored.
// `GenRegistry.stop/2`, `count/1` and `reduce/3` are not modelled. A caller that cannot
// block (a plain handler) may have its worker started at once (`lookupOrStartNow`).
import { atom, list, tuple, type Pid, type Ref, type Term } from '../../core/terms.js';
import { etsTable } from './ets.js';
import { GenServer, type Blocking } from './gen_server.js';
import type { Behaviour, CallRequest, CallResult, Ctx, Dest, Proc } from './process.js';
import { isExitMessage, startResult } from './proc_lib.js';
import type { ChildSpec } from './supervisor.js';
import type { World } from './world.js';

/** What a registry runs: its worker module's name and its `start_link(args)`. */
export type GenRegistrySpec = {
  /** The worker module: the registry's registered name and its table's name. */
  readonly name: string;
  /** `worker_module.start_link(args)`: a fresh behaviour for each new worker. */
  readonly start: (args: readonly Term[]) => Behaviour;
};

const OK = atom('ok');
const ERROR = atom('error');
const KILL = atom('kill');
const LOOKUP_OR_START = atom('lookup_or_start');
/** The upstream default `lookup_or_start` timeout, ms. */
export const LOOKUP_OR_START_TIMEOUT_MS = 5_000;

/** A GenRegistry process (started by its supervisor: see `childSpec`). Meant to be imported as a namespace, `GenRegistry.behaviour`. */
export function behaviour(spec: GenRegistrySpec): Behaviour {
  if (typeof spec.name !== 'string' || spec.name === '') throw new RangeError(`GenRegistry name must be a non-empty string, got ${String(spec.name)}`);
  if (typeof spec.start !== 'function') throw new RangeError(`GenRegistry ${spec.name}: start must be a function returning a behaviour`);
  return new GenRegistry(spec);
}

/** `GenRegistry.Spec.child_spec(worker_module)`: a supervisor-type child registered under the module's name. */
export function childSpec(spec: GenRegistrySpec): ChildSpec {
  return { id: spec.name, start: () => behaviour(spec), type: 'supervisor', name: spec.name };
}

/** `GenRegistry.lookup(table, id)`: the table read in the caller, no message (badarg, thrown, if the registry is gone). */
export function lookup(ctx: Ctx, table: string, id: Term): Pid | undefined {
  return ctx.ets(table).lookup(id) as Pid | undefined;
}

/**
 * `GenRegistry.lookup_or_start(registry, id, args, timeout)`: a call; returns its tag. The
 * caller is resumed with a `call_result` (a generator handler: `yield tag` gives its result).
 */
export function lookupOrStart(ctx: Ctx, registry: Dest, id: Term, args: readonly Term[], timeoutMs = LOOKUP_OR_START_TIMEOUT_MS): Ref {
  return ctx.call(registry, lookupOrStartRequest(id, args), timeoutMs);
}

/** The request `lookup_or_start` sends: `{:lookup_or_start, id, args}`. */
export function lookupOrStartRequest(id: Term, args: readonly Term[]): Term {
  return tuple(LOOKUP_OR_START, id, list([...args]));
}

/** What a `lookupOrStart` call came to: the worker, or why not (`{:error, reason}`, or the call's exit). */
export function lookupOrStartResult(r: CallResult | CallResult['result']): { ok: Pid } | { error: Term } {
  const result = 'result' in r ? r.result : r;
  if ('exit' in result) return { error: result.exit };
  const v = result.ok;
  if (v.t === 'tuple' && v.v[0] === OK && v.v[1]?.t === 'pid') return { ok: v.v[1] };
  return { error: v.t === 'tuple' && v.v[0] === ERROR ? (v.v[1] as Term) : v };
}

/**
 * `lookup_or_start` answered at once, for a caller that cannot block (a plain handler):
 * the live registry `registry` starts the worker for `id` now if its table has none
 * (spawned and linked to the registry, its row inserted) and gives its pid. A
 * simplification: upstream the caller waits while the registry starts the worker; here
 * the worker's init runs after the caller's handling, as a spawned process's does.
 */
export function lookupOrStartNow(w: World, registry: Pid, id: Term, args: readonly Term[]): Pid {
  const reg = w.alive(registry) === undefined ? undefined : registries.get(registry);
  if (reg === undefined) throw new Error(`${JSON.stringify(registry)} is not a live GenRegistry`);
  return reg.startNow(w, registry, id, args);
}

/** Each running registry by its pid (as supervisor.ts's `running`: a global symbol, never iterated). */
const registries: WeakMap<Pid, GenRegistry> = ((globalThis as Record<symbol, unknown>)[Symbol.for('zensim.gen_registries')] ??= new WeakMap()) as WeakMap<Pid, GenRegistry>;

class GenRegistry extends GenServer {
  /** The workers it started (its process dictionary: pid uid -> {pid, id}), in start order. */
  private readonly workers = new Map<number, { pid: Pid; id: Term }>();

  constructor(private readonly spec: GenRegistrySpec) {
    super();
  }

  protected *onInit(): Blocking {
    registries.set(this.ctx.self, this);
    // A label for reports (upstream's sets none): it is registered under its workers' module's name.
    this.ctx.setLabel('GenRegistry');
    this.ctx.trapExit(true);
    this.ctx.etsNew(this.spec.name, 'set', { readConcurrency: true });
  }

  /** See `lookupOrStartNow` (`self`: this registry's pid; its `ctx` is aimed at whoever runs now). */
  startNow(w: World, self: Pid, id: Term, args: readonly Term[]): Pid {
    const table = etsTable(w.node(self.node), this.spec.name);
    const known = table.lookup(id);
    if (known !== undefined) return known as Pid;
    const pid = w.spawn(self.node, this.spec.start(args));
    // Started as `start_link` starts it: the registry is its proc_lib parent (process_info counts the dictionary that makes).
    (w.procs[pid.uid] as Proc).runState().parent = self;
    w.links.link(w.alive(self) as Proc, pid, w.nowUs);
    table.insert(id, pid);
    this.workers.set(pid.uid, { pid, id });
    return pid;
  }

  protected *onMessage(msg: unknown): Blocking {
    if (isExitMessage(msg)) {
      const worker = msg.from === undefined ? undefined : this.workers.get(msg.from.uid);
      if (worker === undefined) return;
      this.workers.delete(worker.pid.uid);
      this.ctx.ets(this.spec.name).delete(worker.id);
      return;
    }
    const call = msg as CallRequest;
    if (call.kind !== '$gen_call') return;
    const req = call.msg as Term;
    if (req.t !== 'tuple' || req.v[0] !== LOOKUP_OR_START) return this.ctx.reply(call.from, tuple(ERROR, atom('Elixir.GenRegistry')));
    const reply = yield* this.lookupOrStart(req.v[1] as Term, (req.v[2] as Term & { t: 'list' }).v);
    this.ctx.reply(call.from, reply);
  }

  protected *onTerminate(): Blocking {
    for (const { pid } of this.workers.values()) {
      this.ctx.unlink(pid);
      this.ctx.exit(pid, KILL);
    }
  }

  private *lookupOrStart(id: Term, args: readonly Term[]): Blocking<Term> {
    const table = this.ctx.ets(this.spec.name);
    const known = table.lookup(id);
    if (known !== undefined) return tuple(OK, known);
    const pid = this.ctx.startLink(this.spec.start(args));
    const got: unknown = yield;
    const r = startResult(got, pid);
    if ('error' in r) return tuple(ERROR, r.error);
    table.insert(id, pid);
    this.workers.set(pid.uid, { pid, id });
    return tuple(OK, pid);
  }
}

// Erlang exceptions that ZenMonitor's code raises and does not catch, as the exit reason
// of the process that crashes: for an error, `{reason, stacktrace}` (what gen_server and
// proc_lib exit with), the stacktrace reduced to the frame that raised it; for an exit
// (`GenServer.call`'s, messages.ts `genServerCallExit`), its reason as it is. A step yields
// `raise(reason)` (effects.ts); the runtime never answers it: the process crashes there.
//
// Mirrors what happens in ZenMonitor 2.1.0 on input it does not check: a target whose
// `find_node/1` is not an atom fails `Connector.get_for_node/1`'s guard (function_clause),
// `Process.monitor/1` of a malformed target raises badarg, `{:ok, pid} =` of a failed
// GenRegistry lookup fails to match (badmatch), a Batcher given a DOWN it has no clause
// for crashes (function_clause).
import type { Term } from './terms.js';
import { atom, list, tuple } from './terms.js';
import type { RaiseEffect } from './effects.js';

/** A stack frame `{module, function, args, []}` (modules as Elixir names them: `Elixir.ZenMonitor.…`). */
export function frame(module: string, fun: string, args: readonly Term[]): Term {
  return tuple(atom(module), atom(fun), list([...args]), list([]));
}

/** `{reason, [frame]}`: the exit reason of an error raised at `frame`. */
export function errorReason(reason: Term, at: Term): Term {
  return tuple(reason, list([at]));
}

/** A FunctionClauseError in `module.fun(args...)`. */
export function functionClause(module: string, fun: string, args: readonly Term[]): Term {
  return errorReason(atom('function_clause'), frame(module, fun, args));
}

/** An ArgumentError (badarg) raised by the BIF `module.fun(args...)`. */
export function badarg(module: string, fun: string, args: readonly Term[]): Term {
  return errorReason(atom('badarg'), frame(module, fun, args));
}

/** A MatchError (`{:badmatch, value}`) in `module.fun(args...)`. */
export function badmatch(value: Term, module: string, fun: string, args: readonly Term[]): Term {
  return errorReason(tuple(atom('badmatch'), value), frame(module, fun, args));
}

/** The operation that raises `reason` in the step's process. */
export function raise(reason: Term): RaiseEffect {
  return { kind: 'raise', reason };
}

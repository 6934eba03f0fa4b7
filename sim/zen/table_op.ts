// ZenMonitor's table operations as its processes perform them (component.ts `perform`):
// on the shared tables as their owners made them (tree.ts), badarg when an owner is dead
// (whether each table is there is read from memory.ts's bits, kept while the node's
// tables epoch stays the same), each charged `etsOpUs` per row touched.
import { applyTableOp, tableOpRows, type TableOp, type TableOpOf } from '../../core/ops.js';
import { assertNever } from '../../core/terms.js';
import { etsBadarg } from '../beam/ets.js';
import type { Ctx } from '../beam/process.js';
import type { ZenApp } from './cluster.js';
import { SHARED_PLACE, sharedLive, sharedTableName } from './memory.js';

/**
 * A table operation: it takes effect as it begins, on the table as its owner made it
 * (badarg if the owner is dead: whether the table is there is read from the bits memory.ts
 * keeps while the node's tables epoch stays the same, not looked up by name); CPU per row
 * touched. Its kind, read once by the runner, is handed on (each read is a megamorphic lookup).
 */
export function tableOp(app: ZenApp, ctx: Ctx, op: TableOp, kind: TableOp['kind']): unknown {
  const place = tableOf(kind);
  if ((sharedLive(app) & (1 << place)) === 0) throw etsBadarg(app.simNode, sharedTableName(place), kind.slice(kind.indexOf('.') + 1));
  const result = applyTableOp(app.bodies, op, kind);
  if (kind === 'proxy_subscribers.match_delete') app.batchersCleanedUp.add((op as TableOpOf<'proxy_subscribers.match_delete'>).connector.uid);
  ctx.cpu(app.cost.etsOpUs * tableOpRows(op, result, kind));
  return result;
}

/** An operation's table, by its place in memory.ts's shared tables (its `:ets` function, named in a badarg, follows the dot of its kind); a switch, not a Map lookup by string. */
function tableOf(kind: TableOp['kind']): number {
  switch (kind) {
    case 'references.take':
    case 'references.insert':
    case 'references.delete':
    case 'references.match':
      return SHARED_PLACE.references;
    case 'subscribers.member':
    case 'subscribers.insert_new':
    case 'subscribers.delete':
      return SHARED_PLACE.localSubscribers;
    case 'proxy_subscribers.insert':
    case 'proxy_subscribers.delete':
    case 'proxy_subscribers.match':
    case 'proxy_subscribers.match_delete':
      return SHARED_PLACE.proxySubscribers;
    case 'nodes.lookup':
    case 'nodes.insert':
      return SHARED_PLACE.nodes;
    default:
      return assertNever(kind);
  }
}

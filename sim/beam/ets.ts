// ETS-like tables for simulated processes: named per node and shared by all of that
// node's processes, a `set` (insertion order) or an `ordered_set` (Erlang term order),
// owned by the process that created them and deleted when it dies (ETS without an
// heir). Reads and writes are synchronous, as ETS calls are. A table counts in the node's
// `ets` memory as `ets:info(T, memory)` does: the empty table, per object its `{key,
// value}` tuple plus the object's own words (a hash entry, or a tree node; cost model
// `etsSetObjectWords`, `etsOrderedSetObjectWords`), and a set's bucket segments. ZenMonitor's own tables are
// typed structures in core/tables.ts, counted the same way by sim/zen/tables_memory.ts.
import { assertNever, compareTerms, heapWords, type Term } from '../../core/terms.js';
import type { CostModel } from './cost.js';
import type { SimNode } from './node.js';
import type { Proc } from './process.js';

export type EtsType = 'set' | 'ordered_set';

/** Words of an empty table (M1, `ets:info(T, memory)` of a plain set and ordered_set). */
export const EMPTY_TABLE_WORDS: Readonly<Record<EtsType, number>> = { set: 305, ordered_set: 133 };

/** Buckets a hash table starts with (its first segment, counted in the empty table). */
const FIRST_SEGMENT_BUCKETS = 256;
/** Buckets of each further segment (erl_db_hash.c's EXT_SEGSZ). */
const EXT_SEGMENT_BUCKETS = 2048;
/** The segment table made with the first extension. */
const SEGMENT_TABLE_WORDS = 262;

/**
 * Words a `set` adds for its buckets as it grows (about one bucket a row) past its first
 * segment: a segment table and whole 2048-bucket segments. M1, ets:info(T, memory) of a
 * table of {pid} rows: 2310 such words at 1000 rows, 4358 at 4000.
 */
export function setBucketWords(rows: number): number {
  if (rows <= FIRST_SEGMENT_BUCKETS) return 0;
  return SEGMENT_TABLE_WORDS + EXT_SEGMENT_BUCKETS * Math.ceil((rows - FIRST_SEGMENT_BUCKETS) / EXT_SEGMENT_BUCKETS);
}

/** Words an object of a table of `type` costs beyond its tuple. */
export function objectWords(type: EtsType, cost: CostModel): number {
  return type === 'set' ? cost.etsSetObjectWords : cost.etsOrderedSetObjectWords;
}

type Row = { readonly key: Term; readonly value: Term; readonly words: number };

export class EtsTable {
  private readonly rows = new Map<string, Row>();
  private words = 0;

  constructor(
    readonly name: string,
    readonly type: EtsType,
    readonly ownerUid: number,
    private readonly node: string,
    private readonly objectWords: number,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  /** Bytes this table holds (`ets:info(T, memory)` × 8). */
  bytes(): number {
    const buckets = this.type === 'set' ? setBucketWords(this.rows.size) : 0;
    return 8 * (EMPTY_TABLE_WORDS[this.type] + this.rows.size * this.objectWords + this.words + buckets);
  }

  /** `:ets.insert(table, {key, value})`: replaces the row with an equal key. */
  insert(key: Term, value: Term): void {
    const k = canonicalKey(key);
    const old = this.rows.get(k);
    if (old !== undefined) this.words -= old.words;
    // The {key, value} tuple, flat: its header and arity word, then each element's words.
    const words = 1 + heapWords(key, this.node) + heapWords(value, this.node);
    this.rows.set(k, { key, value, words });
    this.words += words;
  }

  lookup(key: Term): Term | undefined {
    return this.rows.get(canonicalKey(key))?.value;
  }

  member(key: Term): boolean {
    return this.rows.has(canonicalKey(key));
  }

  /** `:ets.take/2`: removes the row and returns its value. */
  take(key: Term): Term | undefined {
    const k = canonicalKey(key);
    const row = this.rows.get(k);
    if (row === undefined) return undefined;
    this.rows.delete(k);
    this.words -= row.words;
    return row.value;
  }

  delete(key: Term): boolean {
    return this.take(key) !== undefined;
  }

  /** Every key: insertion order for a set, term order for an ordered_set. */
  keys(): Term[] {
    const keys = [...this.rows.values()].map((r) => r.key);
    return this.type === 'ordered_set' ? keys.sort(compareTerms) : keys;
  }
}

/** A string equal for equal terms (exact equality: 1 and 1.0 differ, as ETS set keys do). */
export function canonicalKey(t: Term): string {
  switch (t.t) {
    case 'atom':
      return `a${t.v.length}:${t.v}`;
    case 'int':
      return `i${t.v}`;
    case 'float':
      return `f${t.v}`;
    case 'bin':
      return `b${t.bytes.length}:${Array.from(t.bytes, (x) => x.toString(16).padStart(2, '0')).join('')}`;
    case 'bits':
      return `s${t.bitSize}:${Array.from(t.bytes, (x) => x.toString(16).padStart(2, '0')).join('')}`;
    case 'tuple':
      return `t${t.v.length}(${t.v.map(canonicalKey).join(',')})`;
    case 'list':
      return `l${t.v.length}(${t.v.map(canonicalKey).join(',')})`;
    case 'ilist':
      return `L${t.v.length}(${t.v.map(canonicalKey).join(',')}|${canonicalKey(t.tail)})`;
    case 'map':
      return `m(${[...t.v]
        .sort((x, y) => compareTerms(x[0], y[0]))
        .map(([k, v]) => `${canonicalKey(k)}=>${canonicalKey(v)}`)
        .join(',')})`;
    case 'pid':
      return `p${t.uid}`;
    case 'ref':
      return `r${t.uid}`;
    case 'port':
      return `P${t.uid}`;
    case 'fun':
      return `F${t.name}`;
    default:
      return assertNever(t);
  }
}

/** `:ets.new(name, [type, :named_table, :public])` by `p` on `node`: the table dies with its owner. */
export function etsNew(node: SimNode, p: Proc, name: string, type: EtsType, cost: CostModel): EtsTable {
  if (typeof name !== 'string' || name === '') throw new RangeError(`ets table name must be a non-empty string, got ${String(name)}`);
  if (type !== 'set' && type !== 'ordered_set') throw new RangeError(`ets table type must be set or ordered_set, got ${String(type)}`);
  if (node.ets.has(name)) throw new Error(`ets table '${name}' already exists on ${node.name}`);
  const table = new EtsTable(name, type, p.uid, node.name, objectWords(type, cost));
  node.ets.set(name, table);
  node.tables.set(`ets:${name}`, () => table.bytes());
  return table;
}

/** The named table on `node`; a missing one is badarg, as in ETS. */
export function etsTable(node: SimNode, name: string): EtsTable {
  const table = node.ets.get(name);
  if (table === undefined) throw new Error(`no ets table '${name}' on ${node.name} (badarg)`);
  return table;
}

/** Deletes the tables `p` owns (it died; ETS without an heir). */
export function dropTablesOf(p: Proc, node: SimNode): void {
  if (node.ets.size === 0) return;
  for (const [name, table] of [...node.ets]) {
    if (table.ownerUid !== p.uid) continue;
    node.ets.delete(name);
    node.tables.delete(`ets:${name}`);
  }
}

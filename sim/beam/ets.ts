// ETS-like tables for simulated processes: named per node and shared by all of that
// node's processes, a `set` (insertion order) or an `ordered_set` (Erlang term order),
// owned by the process that created them and deleted when it dies (ETS without an
// heir). Reads and writes are synchronous, as ETS calls are. A table counts in the node's
// `ets` memory as `ets:info(T, memory)` does: the empty table, per object its `{key,
// value}` tuple plus the object's own words (a hash entry, or a tree node; cost model
// `etsSetObjectWords`, `etsOrderedSetObjectWords`), and a set's bucket segments. A table
// may instead keep its rows in a typed structure of its own (`TypedTable`: ZenMonitor's
// tables are core/tables.ts structures, counted by sim/zen/memory.ts), owned the same way.
// Using a table that does not exist is badarg: the calling process crashes (ProcessCrash).
import { assertNever, atom, compareTerms, heapWords, list, tuple, type Term } from '../../core/terms.js';
import type { CostModel } from './cost.js';
import type { SimNode } from './node.js';
import { ProcessCrash, type Proc } from './process.js';

export type EtsType = 'set' | 'ordered_set';

/** Words of an empty table (M1, `ets:info(T, memory)` of a plain set and ordered_set). */
export const EMPTY_TABLE_WORDS: Readonly<Record<EtsType, number>> = { set: 305, ordered_set: 133 };

/**
 * Words `read_concurrency: true` adds to an empty table: a set's reader-group locks (M1:
 * GenRegistry's tables and Local's Subscribers, both with it, weigh 337 words empty);
 * nothing for an ordered_set (M1: References, with it, 133 as a plain one).
 */
export const READ_CONCURRENCY_WORDS: Readonly<Record<EtsType, number>> = { set: 337 - 305, ordered_set: 0 };

/** Options of `:ets.new` the model tells apart. */
export type EtsOpts = { readonly readConcurrency?: boolean };

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

/** A row as a table holds it: its key, value and flat words. */
export type EtsRow = { readonly key: Term; readonly value: Term; readonly words: number };

/** A named table on a node, owned by a process: it goes when its owner dies. */
export type OwnedTable = { readonly name: string; readonly ownerUid: number };

/** What a typed table's body must tell: its row count. */
export type TableBody = { readonly size: number };

/** A table whose rows live in a typed structure of its own (`body`) rather than as terms. */
export class TypedTable<T extends TableBody> implements OwnedTable {
  constructor(
    readonly name: string,
    readonly ownerUid: number,
    readonly body: T,
  ) {}
}

export class EtsTable implements OwnedTable {
  private readonly rows = new Map<string, EtsRow>();
  private words = 0;

  constructor(
    readonly name: string,
    readonly type: EtsType,
    readonly ownerUid: number,
    /** Its node, told of each write (its memory is summed only when one may have changed it). */
    private readonly node: SimNode,
    private readonly objectWords: number,
    private readonly emptyWords: number = EMPTY_TABLE_WORDS[type],
  ) {}

  get size(): number {
    return this.rows.size;
  }

  /** Bytes this table holds (`ets:info(T, memory)` × 8). */
  bytes(): number {
    const buckets = this.type === 'set' ? setBucketWords(this.rows.size) : 0;
    return 8 * (this.emptyWords + this.rows.size * this.objectWords + this.words + buckets);
  }

  /** `:ets.insert(table, {key, value})`: replaces the row with an equal key. */
  insert(key: Term, value: Term): void {
    const k = canonicalKey(key);
    const old = this.rows.get(k);
    if (old !== undefined) this.words -= old.words;
    // The {key, value} tuple, flat: its header and arity word, then each element's words.
    const words = 1 + heapWords(key, this.node.name) + heapWords(value, this.node.name);
    this.rows.set(k, { key, value, words });
    this.words += words;
    this.node.tablesChanged();
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
    this.node.tablesChanged();
    return row.value;
  }

  delete(key: Term): boolean {
    return this.take(key) !== undefined;
  }

  /** Its rows as it holds them, in insertion order (for a reader that must build nothing; do not mutate). */
  heldRows(): IterableIterator<EtsRow> {
    return this.rows.values();
  }

  /** Every key: insertion order for a set, term order for an ordered_set. */
  keys(): Term[] {
    const keys = [...this.rows.values()].map((r) => r.key);
    return this.type === 'ordered_set' ? keys.sort(compareTerms) : keys;
  }
}

/** Each atom's key, made once: a GenRegistry lookup by node name (every cast to a Connector) builds no string. */
const atomKeys = new Map<string, string>();

function atomKey(name: string): string {
  let key = atomKeys.get(name);
  if (key === undefined) {
    key = `a${name.length}:${name}`;
    atomKeys.set(name, key);
  }
  return key;
}

/** A string equal for equal terms (exact equality: 1 and 1.0 differ, as ETS set keys do). */
export function canonicalKey(t: Term): string {
  switch (t.t) {
    case 'atom':
      return atomKey(t.v);
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

/** `:ets.new(name, [type, :named_table, :public])` by `p` on `node` (`read_concurrency: true` with `opts.readConcurrency`): the table dies with its owner. */
export function etsNew(node: SimNode, p: Proc, name: string, type: EtsType, cost: CostModel, opts: EtsOpts = {}): EtsTable {
  if (type !== 'set' && type !== 'ordered_set') throw new RangeError(`ets table type must be set or ordered_set, got ${String(type)}`);
  const empty = EMPTY_TABLE_WORDS[type] + (opts.readConcurrency === true ? READ_CONCURRENCY_WORDS[type] : 0);
  const table = new EtsTable(checkName(node, name), type, p.uid, node, objectWords(type, cost), empty);
  node.ets.set(name, table);
  node.setTable(`ets:${name}`, table);
  return table;
}

/** `:ets.new(name, [:named_table, ...])` by `p` whose rows live in `body` (a typed structure, whose memory its maker counts): the table dies with its owner. */
export function etsNewTyped<T extends TableBody>(node: SimNode, p: Proc, name: string, body: T): T {
  node.typedEts.set(name, new TypedTable(checkName(node, name), p.uid, body));
  node.tablesChanged();
  return body;
}

function checkName(node: SimNode, name: string): string {
  if (typeof name !== 'string' || name === '') throw new RangeError(`ets table name must be a non-empty string, got ${String(name)}`);
  if (node.ets.has(name) || node.typedEts.has(name)) throw new Error(`ets table '${name}' already exists on ${node.name}`);
  return name;
}

/** The named table on `node`; a missing one is badarg, as in ETS: the caller crashes. */
export function etsTable(node: SimNode, name: string): EtsTable {
  const table = node.ets.get(name);
  if (table === undefined) throw etsBadarg(node, name, 'lookup');
  return table;
}

/** `{:badarg, [{:ets, fn, [table], []}]}`: what a call on a table that is gone raises. */
export function etsBadarg(node: SimNode, name: string, fn: string): ProcessCrash {
  const reason = tuple(atom('badarg'), list([tuple(atom('ets'), atom(fn), list([atom(name)]), list([]))]));
  return new ProcessCrash(reason, `no ets table '${name}' on ${node.name} (badarg)`);
}

/** Deletes the tables `p` owns (it died; ETS without an heir). */
export function dropTablesOf(p: Proc, node: SimNode): void {
  dropOwned(p, node, node.ets);
  dropOwned(p, node, node.typedEts);
}

/** Drops `p`'s tables of `tables` (a walk that makes no entry arrays: every death of a million targets runs it). */
function dropOwned(p: Proc, node: SimNode, tables: Map<string, OwnedTable>): void {
  if (tables.size === 0) return;
  tables.forEach((table, name) => {
    if (table.ownerUid !== p.uid) return;
    tables.delete(name);
    node.dropTable(`ets:${name}`);
  });
}

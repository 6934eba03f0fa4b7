// Typed scenario parameters: a default, a kind and a range for each, parsed from
// `--set key=value` text or taken from code, and validated the same way, so bad input
// ends in one clear line naming the key and the value. Also the command-line flags the
// commands share, and the command lines they print back, quoted for a shell.
import { describeValue } from '../../core/config.js';

export type ParamSpec =
  | { readonly kind: 'int'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'number'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'enum'; readonly default: string; readonly values: readonly string[]; readonly doc: string }
  | { readonly kind: 'bool'; readonly default: boolean; readonly doc: string };

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The resolved values of a scenario's parameters. */
export type Params<S extends ParamSpecs> = {
  [K in keyof S]: S[K] extends { kind: 'enum' } ? string : S[K] extends { kind: 'bool' } ? boolean : number;
};

const INPUT_ERROR = Symbol.for('zensim.InputError');

/**
 * Bad user input: the message is the one line the CLI prints. One thrown by another copy
 * of this module is an InputError too (`instanceof` reads a mark, not the class): the CLI
 * imports the plan, merge and check drivers when they run, and where its own modules were
 * loaded as CommonJS (the tests, through tsx) that import loads ES copies of them.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly [INPUT_ERROR] = true;

  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as { [INPUT_ERROR]?: unknown })[INPUT_ERROR] === true;
  }
}

/** A run's seed (`--seed`, RunOptions.seed, a check replay file's `seed`): a non-negative integer; `what` names it in the error. */
export function checkSeed(seed: unknown, what: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InputError(`${what} must be a non-negative integer, got ${describeValue(seed)}`);
  return seed;
}

/** A parameter's kind, default and range as help texts show them: `int, default 100000, 1 to 4294967295`. */
export function paramRangeText(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const range = spec.min !== undefined && spec.max !== undefined ? `${spec.min} to ${spec.max}` : spec.min !== undefined ? `>= ${spec.min}` : spec.max !== undefined ? `<= ${spec.max}` : 'any';
      return `${spec.kind}, default ${spec.default}, ${range}`;
    }
    case 'enum':
      return `one of ${spec.values.join(', ')}; default ${spec.default}`;
    case 'bool':
      return `true or false; default ${spec.default}`;
    default:
      return assertNeverSpec(spec);
  }
}

type SpecOf<K extends ParamSpec['kind']> = Extract<ParamSpec, { kind: K }>;

/** Builders of parameter specs, each typed by its kind (so a script reads an enum as a string, a bool as a boolean). */
export const param = {
  int: (def: number, doc: string, range: { min?: number; max?: number } = {}): SpecOf<'int'> => ({ kind: 'int', default: def, doc, ...range }),
  number: (def: number, doc: string, range: { min?: number; max?: number } = {}): SpecOf<'number'> => ({ kind: 'number', default: def, doc, ...range }),
  enum: (def: string, values: readonly string[], doc: string): SpecOf<'enum'> => ({ kind: 'enum', default: def, values, doc }),
  bool: (def: boolean, doc: string): SpecOf<'bool'> => ({ kind: 'bool', default: def, doc }),
};

/** Parses `--set` text (or checks a value from code) against its spec. */
export function parseParam(key: string, spec: ParamSpec, raw: unknown): number | string | boolean {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const v = typeof raw === 'string' ? decimal(raw) : raw;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new InputError(`${key} must be a number, got '${String(raw)}'`);
      }
      if (spec.kind === 'int' && !Number.isInteger(v)) throw new InputError(`${key} must be an integer, got '${String(raw)}'`);
      if (spec.min !== undefined && v < spec.min) throw new InputError(`${key} must be >= ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max) throw new InputError(`${key} must be <= ${spec.max}, got ${v}`);
      if (spec.kind === 'int' && !Number.isSafeInteger(v)) throw new InputError(`${key} must be an integer within ±${Number.MAX_SAFE_INTEGER} (2^53 - 1), got ${v}`);
      return v;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values.includes(raw)) {
        throw new InputError(`${key} must be one of ${spec.values.join(', ')}, got '${String(raw)}'`);
      }
      return raw;
    }
    case 'bool': {
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new InputError(`${key} must be true or false, got '${String(raw)}'`);
    }
    default:
      return assertNeverSpec(spec);
  }
}

/** Defaults overridden by `overrides` (each validated), in the specs' order. */
export function resolveParams<S extends ParamSpecs>(specs: S, overrides: Readonly<Record<string, unknown>>): Params<S> {
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(specs, key)) throw new InputError(`unknown parameter '${key}' (known: ${Object.keys(specs).join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = Object.hasOwn(overrides, key) ? parseParam(key, spec, overrides[key]) : spec.default;
  }
  return out as Params<S>;
}

function assertNeverSpec(x: never): never {
  throw new Error(`unknown parameter kind ${JSON.stringify(x)}`);
}

/**
 * A decimal number as a command line writes it (digits with `_` separators, a fraction,
 * an exponent); undefined for anything else (`0x10`, `Infinity`, blanks, and a number
 * with a space before or after it, as in `--set targets=" 10"`).
 */
export function decimal(text: string): number | undefined {
  const t = text.replaceAll('_', '');
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : undefined;
}

/** A `--set` value as a setting reads it: `true`, `false`, a decimal number, or the text. */
export function settingValue(v: string): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return decimal(v) ?? v;
}

/** The `key=value` pairs of a repeatable flag (`--set`); a key given twice is refused. */
export function keyValuePairs(list: unknown, flag: string, form = 'key=value'): [string, string][] {
  const pairs = ((list as string[] | undefined) ?? []).map((kv): [string, string] => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InputError(`${flag} takes ${form}, got '${kv}'`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
  const twice = pairs.find(([k], i) => pairs.findIndex(([other]) => other === k) !== i);
  if (twice !== undefined) throw new InputError(`${flag} ${twice[0]} is given more than once`);
  return pairs;
}

/** The `--set key=value` words of `pairs`, in order (keyValuePairs read back). */
export function setFlags(pairs: readonly (readonly [string, unknown])[]): string[] {
  return pairs.flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
}

/** A word of a printed command, quoted for a POSIX shell when it needs it (`'my fan.ts'`). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A command to print, every word quoted as it needs: pasted into a shell, it runs as printed. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** An integer flag from its text (read as a string, so that a flag without its value is refused), `fallback` when absent. */
export function integerFlag(raw: unknown, flag: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = decimal(String(raw));
  if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    const most = max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : '';
    throw new InputError(`${flag} must be ${what}${most}, got '${String(raw)}'`);
  }
  return n;
}

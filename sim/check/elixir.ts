// Elixir source text for the values an exported ExUnit test holds (sim/check/exunit.ts):
// terms as literals that evaluate to the same Erlang term, atoms, strings and module
// names. Not `inspect/1` (core/inspect.ts prints what a VM would show, and abbreviates):
// this prints what a compiler reads back to the identical value.
//
// Rules: output is deterministic and plain ASCII; a binary made of long runs of one byte
// prints as `:binary.copy/2` pieces joined with `<>` (the 2000-byte exit reason stays one
// line); pids, refs, ports and funs have no literal form and are refused.
import { assertNever, sortedEntries, type Term } from '../../core/terms.js';

/** An Elixir expression whose value is `t`. */
export function elixirTerm(t: Term): string {
  switch (t.t) {
    case 'atom':
      return elixirAtom(t.v);
    case 'int':
      return t.v.toString();
    case 'float':
      return Number.isInteger(t.v) ? t.v.toFixed(1) : String(t.v);
    case 'bin':
      return elixirBinary(t.bytes);
    case 'bits':
      return elixirBits(t.bytes, t.bitSize);
    case 'tuple':
      return `{${t.v.map(elixirTerm).join(', ')}}`;
    case 'list':
      return `[${t.v.map(elixirTerm).join(', ')}]`;
    case 'ilist':
      return `[${t.v.map(elixirTerm).join(', ')} | ${elixirTerm(t.tail)}]`;
    case 'map':
      return `%{${sortedEntries(t).map(([k, v]) => `${elixirTerm(k)} => ${elixirTerm(v)}`).join(', ')}}`;
    case 'pid':
    case 'ref':
    case 'port':
    case 'fun':
      throw new Error(`a ${t.t} has no Elixir literal`);
    default:
      return assertNever(t);
  }
}

/** `:name`, quoted when the name is not a plain identifier; nil, true and false bare. */
export function elixirAtom(name: string): string {
  if (name === 'nil' || name === 'true' || name === 'false') return name;
  return /^[a-z_][A-Za-z0-9_@]*[?!]?$/.test(name) ? `:${name}` : `:${elixirString(name)}`;
}

/** A double-quoted Elixir string literal (ASCII text; other bytes escaped). */
export function elixirString(s: string): string {
  return `"${[...s].map(escapeChar).join('')}"`;
}

function escapeChar(c: string): string {
  if (c === '"' || c === '\\' || c === '#') return `\\${c}`;
  if (c === '\n') return '\\n';
  const code = c.codePointAt(0) as number;
  return code >= 0x20 && code < 0x7f ? c : `\\u{${code.toString(16)}}`;
}

/** Runs of one byte at least this long print as `:binary.copy/2`. */
const RUN_MIN = 8;

function elixirBinary(bytes: Uint8Array): string {
  if (bytes.length === 0) return '""';
  const pieces: string[] = [];
  let text: number[] = [];
  const flush = () => {
    if (text.length > 0) pieces.push(bytePiece(text));
    text = [];
  };
  for (let i = 0; i < bytes.length; ) {
    let j = i;
    while (j < bytes.length && bytes[j] === bytes[i]) j++;
    if (j - i >= RUN_MIN) {
      flush();
      pieces.push(`:binary.copy(${bytePiece([bytes[i] as number])}, ${j - i})`);
    } else for (let k = i; k < j; k++) text.push(bytes[k] as number);
    i = j;
  }
  flush();
  return pieces.join(' <> ');
}

/** `<<b0, b1, …, last::size(r)>>`: the whole bytes, then the r bits left in the zero-padded last byte. */
function elixirBits(bytes: Uint8Array, bitSize: number): string {
  const r = bitSize % 8;
  const whole = [...bytes.slice(0, Math.floor(bitSize / 8))].map(String);
  return `<<${[...whole, `${(bytes[whole.length] ?? 0) >> (8 - r)}::size(${r})`].join(', ')}>>`;
}

/** Printable ASCII as a string literal, anything else as `<<…>>`. */
function bytePiece(bytes: readonly number[]): string {
  return bytes.every((b) => b >= 0x20 && b < 0x7f) ? elixirString(String.fromCharCode(...bytes)) : `<<${bytes.join(', ')}>>`;
}

/** An Elixir module name from a file name: `flush-race.exs` gives `FlushRace`. */
export function moduleSegment(fileBase: string): string {
  const words = fileBase.replace(/\.exs$/, '').split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return /^[A-Z]/.test(name) ? name : `Schedule${name}`;
}

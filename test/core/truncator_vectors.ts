// The truncator vectors measured on the real library (shared/fixtures/
// truncator-vectors.json), read at run time by the terms, inspect and truncator tests.
import { readFileSync } from 'node:fs';

export type VectorOutput = { term: unknown; inspect: string; identical_to_input: boolean };
export type Vector = { id: string; input: unknown; input_inspect: string; outputs: Record<string, VectorOutput> };
export type TruncatorFixture = {
  truncator_compile_time_config: { max_binary_size: number; truncation_depth: number };
  vectors: Vector[];
};

export const truncatorFixture = JSON.parse(
  readFileSync(new URL('../../../shared/fixtures/truncator-vectors.json', import.meta.url), 'utf8'),
) as TruncatorFixture;

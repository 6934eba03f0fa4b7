// Types of bin/v8.mjs (plain JavaScript: it runs before anything is built).
/** Sets the V8 options zensim runs with, unless node's own command line gave them; `heapPerRun`: the caller tells growHeapFor each run's estimate, else the heap is set throughout as for a large run. */
export function tuneV8(heapPerRun?: boolean, set?: (flag: string) => void, execArgv?: readonly string[]): void;
/** A run estimated at this many bytes or more grows its heap at most ×2 after each full collection (growHeapFor). */
export const LARGE_HEAP_BYTES: number;
/** A run estimated at this many bytes or more has its young generation grow to its full size at its first growth (growHeapFor). */
export const FULL_YOUNG_BYTES: number;
/** For a run estimated to peak at `bytes`: from FULL_YOUNG_BYTES on, sets V8's young-generation growth factor to 16, from LARGE_HEAP_BYTES on its heap growing factor to 2 too (through `set`), each unless node's command line gave it; answers the flags it set. */
export function growHeapFor(bytes: number, set?: (flag: string) => void, execArgv?: readonly string[]): string[];
/** When `zensim run` relaunches node for a large run: from this estimated peak, with these flags; null: never (ZENSIM_LARGE_RUN_MB=0, or node's command line set the size). Throws RangeError on a bad ZENSIM_LARGE_RUN_MB. */
export function largeRunRelaunch(env?: NodeJS.ProcessEnv): { minBytes: number; flags: string[] } | null;
/** V8 switches (names without `--`) turned off while a plan's `workers` threads fill `cores`: none with a core to spare, none given in `execArgv`. */
export function workerPoolSwitches(workers: number, cores?: number, execArgv?: readonly string[]): string[];
/** The initial old generation (MiB) of each of a plan's `workers` isolates: 128, or the workers' share of an eighth of `totalBytes` of memory; 0 (left to V8) when that is 16 or less, or node's command line gave a size. */
export function workerOldSpaceMiB(workers: number, totalBytes?: number, execArgv?: readonly string[]): number;
/** Turns off `workerPoolSwitches` and sets `workerOldSpaceMiB` for a pool of `workers` threads about to start (through `set`); answers what puts them back once they have all ended. */
export function enterWorkerPool(workers: number, set?: (flag: string) => void, cores?: number, execArgv?: readonly string[], totalBytes?: number): () => void;
/** Where a plan's runs estimated at `minBytes` or more go: to workers started after `enter()` lets their young generation's semi-spaces grow to 32 MB (through `set`); `enter` answers what puts V8's own back. Null when `execArgv` gave a semi-space size. */
export function largeWorkerRuns(set?: (flag: string) => void, execArgv?: readonly string[]): { minBytes: number; enter: () => () => void } | null;

// Types of bin/v8.mjs (plain JavaScript: it runs before anything is built).
/** Sets the V8 options zensim runs with, unless node's own command line gave them. */
export function tuneV8(): void;
/** When `zensim run` relaunches node for a large run: from this estimated peak, with these flags; null: never (ZENSIM_LARGE_RUN_MB=0, or node's command line set the size). Throws RangeError on a bad ZENSIM_LARGE_RUN_MB. */
export function largeRunRelaunch(env?: NodeJS.ProcessEnv): { minBytes: number; flags: string[] } | null;

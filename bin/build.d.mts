// Types of bin/build.mjs (plain JavaScript: it runs before anything is built).
/** Whether `root`/dist was built from the sources as they are now. */
export function isFresh(root?: string): boolean;
/** Builds `root`/dist afresh (swapped in whole); throws when it cannot. */
export function build(root?: string): Promise<void>;
/** The path of a fresh `root`/dist, rebuilt first if stale, or null when it cannot be built. */
export function freshDist(root?: string): Promise<string | null>;

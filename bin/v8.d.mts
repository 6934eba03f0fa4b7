// Types of bin/v8.mjs (plain JavaScript: it runs before anything is built).
/** Sets the V8 options zensim runs with, unless node's own command line gave them. */
export function tuneV8(): void;

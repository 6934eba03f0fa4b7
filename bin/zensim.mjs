#!/usr/bin/env node
// zensim command-line entry: registers tsx so the TypeScript sources (and user
// scenario files) run directly, with no build step, then hands over to sim/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sim/cli.ts');
process.exitCode = await main(process.argv.slice(2));

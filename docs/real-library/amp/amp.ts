// zensim side of amp.exs (test/amp_driver.ts runs it): prints one JSON line.
// Usage: npx tsx docs/real-library/amp/amp.ts MODE N REASON KEEP
import { AMP_REASONS, runAmp, type AmpReason } from '../../../test/amp_driver.ts';

const [mode, n, reason, keep] = process.argv.slice(2);
if ((mode !== 'vanilla' && mode !== 'zen') || !AMP_REASONS.includes(reason as AmpReason) || (keep !== 'keep' && keep !== 'drop') || !(Number(n) >= 1)) {
  console.error(`usage: amp.ts vanilla|zen N ${AMP_REASONS.join('|')} keep|drop`);
  process.exit(2);
}
console.log(JSON.stringify({ mode, n: Number(n), reason, keep, ...runAmp(mode, Number(n), reason as AmpReason, keep) }));

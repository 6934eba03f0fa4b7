// Memory amplification: `subscribers` processes on `a` monitor one process on `b` that
// exits with a large reason, {:boom, <<binary>>, %{map}, [list]}. Plain monitors send
// one DOWN per monitor over the wire, each carrying the whole reason and decoded into
// its own copy on `a`; ZenMonitor sends one truncated death certificate. Each subscriber
// keeps the DOWN it got (as a process that records why its peer died), so `a`'s memory
// shows every copy.
import { atom, bin, defineScenario, int, list, mapOf, MAX_COUNT, param, tuple, type Term } from 'zensim';

const A = 'a@127.0.0.1';
const B = 'b@127.0.0.1';

/** `{:boom, <<bytes>>, %{k1: 1, …}, [1, …]}`: the binary is the fixtures' repeated text. */
export function bigReason(binaryBytes: number, mapKeys: number, listLength: number): Term {
  const text = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(binaryBytes);
  for (let i = 0; i < binaryBytes; i++) bytes[i] = text.charCodeAt(i % text.length);
  const entries = Array.from({ length: mapKeys }, (_, i) => [atom(`k${i + 1}`), int(i + 1)] as const);
  const ints = Array.from({ length: listLength }, (_, i) => int(i + 1));
  return tuple(atom('boom'), bin(bytes), mapOf(entries), list(ints));
}

export default defineScenario({
  name: 'amplification',
  description: 'a process with a huge exit reason monitored by thousands: bytes on the wire and memory, vanilla vs zen',
  params: {
    subscribers: param.int(2000, 'processes on a monitoring the one process on b', { min: 1, max: MAX_COUNT }),
    reasonBinaryBytes: param.int(100_000, 'size of the binary in the exit reason, bytes', { min: 0, max: 100_000_000 }),
    reasonMapKeys: param.int(100, 'keys of the map in the exit reason', { min: 0, max: 1_000_000 }),
    reasonListLength: param.int(1000, 'integers in the list in the exit reason', { min: 0, max: 1_000_000 }),
    downCostUs: param.number(50, 'CPU each subscriber spends on its DOWN, µs', { min: 0, max: 1_000_000 }),
  },
  cluster: () => ({
    nodes: [
      { name: A, schedulers: 2 },
      { name: B, schedulers: 2 },
    ],
  }),
  script: (run, p) => {
    run.connect(A, B);
    const victim = run.world.spawn(B, { handle() {} });
    // With plain monitors every subscriber holds its own decoded reason: ~28 bytes of JS heap
    // per map key or list element measured (200,000 of each, 10 and 40 subscribers), 40 with
    // margin, and its binary; so a reason too big for the heap is refused at once.
    run.expectDowns(p.subscribers, { heldBytesEach: 40 * (p.reasonMapKeys + p.reasonListLength) + p.reasonBinaryBytes });
    run.when(
      () => run.connected(A, B),
      () => {
        for (let i = 0; i < p.subscribers; i++) {
          run.subscriber(A, {
            downCostUs: p.downCostUs,
            keepDowns: true,
            setup: function* (ctx) {
              yield* run.timed.monitor(ctx, victim);
            },
          });
        }
      },
    );
    run.when(
      () => run.established() >= (run.mode === 'zen' ? 1 : p.subscribers),
      () =>
        run.at(run.world.nowUs / 1000 + 300, () => {
          run.trigger();
          run.world.exit(victim, bigReason(p.reasonBinaryBytes, p.reasonMapKeys, p.reasonListLength), B);
          const downBytes = p.reasonBinaryBytes + 16 * (p.reasonMapKeys + p.reasonListLength);
          run.endWhenDrained(run.drainEstimateMs({ downs: p.subscribers, downCostUs: p.downCostUs, cause: 'deaths', deaths: 1, downBytes }));
        }),
    );
  },
});

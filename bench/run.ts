// `npm run bench`: runs every benchmark module in order. Add new modules to the list;
// keep the kernel last, so its `ratio kernel/bare-heap: X` line stays the last line.
type BenchModule = { bench: () => void | Promise<void> };

const benches: Array<() => Promise<BenchModule>> = [() => import('./herd.bench.js'), () => import('./kernel.bench.js')];

for (const load of benches) {
  const m = await load();
  await m.bench();
}

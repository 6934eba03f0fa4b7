// The network's view of a world (network.ts NetHost): whether a node is up or known, and
// where arrivals, connection changes and unblocked senders go (dist.ts, the world's
// connection observers). A class rather than an object of closures made per world, so
// that its methods are one function for every world: their optimized code lives as long
// as the process.
import type { Kernel } from '../engine/kernel.js';
import type { DistSend } from './dist.js';
import type { NetHost } from './network.js';
import type { World } from './world.js';

/** A world as its network sees it. */
export class WorldNet implements NetHost {
  readonly kernel: Kernel;

  constructor(private readonly w: World) {
    this.kernel = w.kernel;
  }

  nodeUp(n: string): boolean {
    return this.w.nodes.get(n)?.up === true;
  }

  knows(n: string): boolean {
    return this.w.nodes.has(n);
  }

  arrive(from: string, to: string, p: unknown): void {
    this.w.dist.arrive(from, to, p as DistSend);
  }

  connectionDown(n: string, peer: string): void {
    this.w.dist.connectionDown(n, peer);
  }

  connectionUp(n: string, peer: string): void {
    this.w.onConnection?.(n, peer, true);
    this.w.onConnection?.(peer, n, true);
  }

  unbusy(n: string, peer: string): void {
    this.w.dist.unbusy(n, peer);
  }
}

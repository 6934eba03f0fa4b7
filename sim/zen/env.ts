// The env a ZenMonitor step sees (core/effects.ts `Env`) inside a simulated process: its
// node, app env and clock, `self` and `make_ref()`, read live from the process context.
import type { ZenConfig } from '../../core/config.js';
import type { Env } from '../../core/effects.js';
import type { Pid, Ref } from '../../core/terms.js';
import type { Ctx } from '../beam/process.js';
import type { World } from '../beam/world.js';
import type { ZenApp } from './cluster.js';

/**
 * The env of whichever process `ctx` is running now. A world has one context, re-aimed
 * at each handled message, and the env reads `self` and the time from it live: so one
 * env per app and context serves every process (components and client callers alike).
 */
export function envFor(app: ZenApp, ctx: Ctx): Env {
  // Kept on the app, not in a map by app: the client asks once a monitor.
  let env = app.env;
  if (env === undefined || env.ctx !== ctx) {
    env = new ProcessEnv(app, ctx);
    app.env = env;
  }
  return env;
}

export class ProcessEnv implements Env {
  readonly node: string;
  readonly config: ZenConfig;
  private readonly world: World;

  constructor(
    app: ZenApp,
    readonly ctx: Ctx,
  ) {
    this.node = app.node;
    this.config = app.config;
    this.world = app.cluster.world;
  }

  get self(): Pid {
    return this.ctx.self;
  }

  get nowMs(): number {
    return Math.floor(this.ctx.nowUs() / 1000);
  }

  makeRef(): Ref {
    return this.ctx.makeRef();
  }

  /** `ctx.makeRef()`'s uid (the world's one count of refs), the ref not made. */
  makeRefUid(): number {
    return this.world.newRefUid();
  }
}

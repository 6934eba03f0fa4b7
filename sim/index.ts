// zensim's public API: what scenario files and other tools import (`from 'zensim'`).
export { defineScenario, isScenario, Run, sleeper, workMsg, type ClusterSpec, type Mode, type NodeSpec, type Scenario, type ScenarioDef } from './scenario.js';
export { param, InputError, type ParamSpec, type ParamSpecs, type Params } from './params.js';
export { runScenario, type ResultDoc, type RunOptions } from './runner.js';
export type { RunResult } from './recorder.js';
export { World, type WorldOptions } from './world.js';
export { ZenCluster, ZenApp } from './zen.js';
export type { Behaviour, Ctx, Dest, DownSignal } from './process.js';
export { atom, tuple, int, list, bin, mapOf, type Term, type Pid, type Ref } from '../core/terms.js';
export { inspect } from '../core/inspect.js';

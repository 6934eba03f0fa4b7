// zensim's public API: what scenario files and other tools import (`from 'zensim'`).
export { defineScenario, isScenario, MAX_PROCESSES, MAX_TIMER_MS, MAX_VIRTUAL_MS, Run, sleeper, workMsg, type ClusterSpec, type Mode, type NodeSpec, type Scenario, type ScenarioDef } from './run/scenario.js';
export { param, InputError, type ParamSpec, type ParamSpecs, type Params } from './run/params.js';
export { runScenario, type ResultDoc, type RunOptions } from './run/runner.js';
export type { EndKind, RunResult } from './run/recorder.js';
export type { DrainCase } from './run/drain.js';
export { World, type WorldOptions } from './beam/world.js';
export { ZenCluster, ZenApp } from './zen/cluster.js';
export type { Behaviour, Ctx, Dest, DownSignal } from './beam/process.js';
export { atom, tuple, int, list, bin, mapOf, type Term, type Pid, type Ref } from '../core/terms.js';
export { inspect } from '../core/inspect.js';
export { runCheck, replaySchedule, type CheckOptions, type CheckReport, type PropertyOutcome } from './check/command.js';
export { PROPERTIES, PROPERTY_NAMES, type Property, type PropertyName, type Verdict } from './check/properties.js';
export { FINDINGS, type Finding } from './check/findings.js';
export { parseSchedule, type Schedule, type Step } from './check/schedule.js';
export { runSchedule } from './check/run.js';
export type { Observations } from './check/observations.js';
export type { ComponentSteps } from './zen/cluster.js';

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
export { runCheck, replaySchedule, type CheckOptions, type CheckReport, type PropertyOutcome } from './check.js';
export { PROPERTIES, PROPERTY_NAMES, type Property, type PropertyName, type Verdict } from './check_properties.js';
export { FINDINGS, type Finding } from './check_findings.js';
export { parseSchedule, type Schedule, type Step } from './check_schedule.js';
export { runSchedule, type Observations } from './check_run.js';
export type { ComponentSteps } from './zen.js';

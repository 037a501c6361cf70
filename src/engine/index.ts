export { memory, type MemoryInfo } from './memory.js';
export { run, run1, runInPlace, setLaunchObserver, type Launch, type LaunchObserver, type OutSpec } from './launch.js';
export { Planner, type PlanState } from './planner.js';
export { Plan, trace, isTracing, type Recording, type Slot, type Step } from './plan.js';

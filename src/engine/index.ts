export { memory, type MemoryInfo } from './memory.js';
export { run, run1, runInPlace, setLaunchObserver, type Launch, type LaunchObserver, type OutSpec } from './launch.js';

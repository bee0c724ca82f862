// memcg-sim: a kernel-faithful emulator of the Linux memory-cgroup charge path.
export { createSystem, System } from './system.js';
export type {
  SystemOptions, Counter, CounterKind, MemoryEvents, ChargeRequest, FolioInfo, FolioKind, StockEntry, Op, OpResult, SimStats, TaskInfo,
} from './system.js';
export { MemcgError, InternalError } from './errors.js';
export type { Errno } from './errors.js';
export { PROFILES, findProfile } from './profiles.js';
export type { Profile, ProfileName } from './profiles.js';
export { memparse, pageCounterMemparse, PAGE_SIZE, PAGE_COUNTER_MAX } from './memparse.js';
export { parseLimit, OpenFile, V2_STAT_ORDER } from './cgroupfs.js';
// Scenarios, traces and the command line (issue #5).
export { parseScenario, loadScenario } from './scenario.js';
export type { Scenario, SystemSpec, Step, Expectation } from './scenario.js';
export { runScenario, runTrace, recordTrace, prepareSystem } from './runner.js';
export type { RunOptions, Progress } from './runner.js';
export { formatResult, toCsv } from './summary.js';
export type { RunResult, RunSummary, CgroupSummary, TaskSummary, PhaseSummary, ExpectResult, Sample } from './summary.js';
export { Replayer, replayTrace } from './replayer.js';
export type { ReplayCounters, ReplayHooks, ReplayTask } from './replayer.js';
export { TraceWriter, TraceError, readTraceHeader, validateTrace, OP as TRACE_OP, OP_MOVE as TRACE_OP_MOVE } from './trace.js';
export type { RecordSink, TraceHeader, TraceInfo, TraceTask } from './trace.js';
export { InputError } from './validate.js';
export type { Issue } from './validate.js';
export { EXAMPLES, exampleScenario } from './examples.js';
export { runCli } from './commands.js';

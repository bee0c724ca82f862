// memcg-sim: a kernel-faithful emulator of the Linux memory-cgroup charge path.
export * from './api/surface.js';
export { createSystem } from './api/create.js';
export { parseLimit, OpenFile, V2_STAT_ORDER } from './cgroupfs/cgroupfs.js';
// Scenarios, traces and the command line (issue #5).
export { parseScenario, loadScenario } from './scenario/scenario.js';
export type { Scenario, SystemSpec, Step, Expectation } from './scenario/scenario.js';
export { runScenario, runTrace, recordTrace, prepareSystem, Interrupted } from './scenario/runner.js';
export { BUDGET } from './scenario/budget.js';
export type { Budget } from './scenario/budget.js';
export { scenarioJsonSchema } from './scenario/schema.js';
export { sweepJsonSchema } from './sweep/schema.js';
export type { ParseOptions } from './scenario/scenario.js';
export { JsonResultWriter, CsvSampleWriter } from './report/stream.js';
export type { RunOptions, Progress } from './scenario/runner.js';
export { formatResult, toCsv } from './report/summary.js';
export type { RunResult, RunSummary, CgroupSummary, TaskSummary, PhaseSummary, ExpectResult, Sample } from './report/summary.js';
export { Replayer, replayTrace } from './trace/replayer.js';
export type { ReplayCounters, ReplayHooks, ReplayTask } from './trace/replayer.js';
export { TraceWriter, TraceError, readTraceHeader, validateTrace, OP as TRACE_OP, OP_MOVE as TRACE_OP_MOVE } from './trace/trace.js';
export type { RecordSink, TraceHeader, TraceInfo, TraceTask } from './trace/trace.js';
export { InputError } from './scenario/validate.js';
export type { Issue } from './scenario/validate.js';
export { EXAMPLES, exampleScenario } from './scenario/examples.js';
export type { ExampleName } from './scenario/examples.js';
export { runCli } from './cli/commands.js';
// memcg-sim live: a scenario on this machine's kernel and on the emulator, compared (issue #11).
export { runLive, loadKnown } from './live/live.js';
export type { LiveOptions, LiveResult } from './live/live.js';
export { formatLive } from './live/format.js';
export { LiveSetupError } from './live/machine.js';
export type { KnownDifference, Comparison, ComparedValue } from './live/compare.js';
// Sweeps, HTML reports, Trace Event export, --set (issue #14).
export { applySets, parseKey, setIn } from './scenario/set.js';
export { loadSweep, parseSweep, pointScenario } from './sweep/sweep.js';
export type { Sweep, Point, Coords } from './sweep/sweep.js';
export { runSweep } from './sweep/run.js';
export type { SweepOptions, SweepResult } from './sweep/run.js';
export type { PointLine } from './sweep/point.js';
export { reportHtml } from './report/html.js';
export type { ReportData, SweepRow } from './report/html.js';
export { TraceEventFile } from './trace/events.js';
export type { TraceEvent, TraceClock } from './trace/events.js';

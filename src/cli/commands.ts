// The memcg-sim commands, as a function of argv and the streams (src/cli.ts is the bin).

import { parseArgs } from 'node:util';
import { InternalError, MemcgError } from '../core/errors.js';
import { EXAMPLES, exampleScenario } from '../scenario/examples.js';
import { ProgressBar, si } from './progress.js';
import { machineOf } from '../trace/replayer.js';
import { machines, prepareSystem, recordTrace, runScenario, runTrace, systemOf } from '../scenario/runner.js';
import { loadScenario, parseScenario, type Scenario } from '../scenario/scenario.js';
import { formatResult, toCsv, type RunResult } from '../report/summary.js';
import { TraceError, validateTrace } from '../trace/trace.js';
import { InputError } from '../scenario/validate.js';
import { LiveSetupError } from '../live/machine.js';
import { LIVE_USAGE, liveCommand, LiveUsageError } from './live.js';
import { writeFileSync } from 'node:fs';
import { applySets, parseSetArgs } from '../scenario/set.js';
import { readJsonFile, scenarioName } from '../scenario/scenario.js';
import type { RunOptions } from '../scenario/runner.js';
import { TraceEventFile } from '../trace/events.js';
import { compareReport, reportHtml } from '../report/html.js';
import { mergeCommand, reportData, sweepCommand, UsageError } from './sweep.js';
import { compareCsv, compareResult, formatCompare } from '../report/compare.js';
import type { SystemSpec } from '../scenario/scenario.js';

export const USAGE = `usage: memcg-sim <command> [options]

  run SCENARIO.json | --example NAME    run a scenario and print a summary per cgroup
      --json                            machine-readable result (stdout)
      --csv                             the sampled time series (stdout)
      --variant NAME                    run only this variant
      --set KEY=VALUE                   override a value of the scenario (repeatable), e.g.
                                        --set cgroups.db.memory.max=256M --set seed=3
      --html REPORT.html                a report with plots (samples every cgroup and task)
      --trace-events OUT.json           Trace Event Format for ui.perfetto.dev / chrome://tracing
      --trace-clock sim|ops             its time axis: simulated time (default) or 1 µs per record
  sweep SWEEP.json [-o OUT.jsonl]       run a scenario over a grid of points on a worker pool
      --jobs N                          worker threads (default: the available parallelism)
      --shard I/N | --shards N          run every N-th point from I (N from a batch engine's
                                        array-job variables with --shards, or both from them)
      --resume                          keep the points already in OUT.jsonl, run the others
      --set KEY=VALUE, --html REPORT.html
  sweep merge A.jsonl B.jsonl … -o ALL.jsonl [--html REPORT.html]
                                        merge shard outputs (the unsharded output, byte for byte)
  report RUN.json | SWEEP.jsonl -o REPORT.html
                                        an HTML report of run --json output or a sweep's output
  compare SCENARIO.json | --example NAME [--profiles A,B,…] [--topology T,…] [--json|--csv]
        [--max-regression PCT] [--html R.html]
                                        the workload on each profile / topology (or each variant)
                                        with the cost model on, side by side with each column's
                                        change against the first; exit 1 when the modelled
                                        throughput falls by more than PCT %; --html: bar charts
  validate SCENARIO.json                check a scenario file (every error with its JSON path)
  examples [NAME]                       list the built-in scenarios, or print one as JSON
  trace record SCENARIO.json | --example NAME -o TRACE.bin
                                        write the op records of a scenario's workload
  trace info TRACE.bin [--system SYS.json]
                                        check a trace and count its ops
  replay TRACE.bin [--system SYS.json] [--json | --csv] [--variant NAME] [--html R.html]
         [--trace-events OUT.json]      replay a trace in bulk on the system (and cgroups,
                                        expectations, sampling) of a scenario file
${LIVE_USAGE}

exit status: 0 ok, 1 an expectation failed (live: a value differs; sweep: a point could not run;
merge: points missing), 2 bad input (usage, scenario, trace; live: no usable cgroup, not root,
no compiler), 3 internal error, 130 interrupted`;

export type Io = {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr, when it is a terminal: the progress bar goes there. */
  tty?: { write(s: string): unknown };
};

export function processIo(): Io {
  return {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    tty: process.stderr.isTTY ? process.stderr : undefined,
  };
}

const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  example: { type: 'string' },
  variant: { type: 'string' },
  system: { type: 'string' },
  profiles: { type: 'string' },
  topology: { type: 'string' },
  'max-regression': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  set: { type: 'string', multiple: true },
  html: { type: 'string' },
  'trace-events': { type: 'string' },
  'trace-clock': { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  resume: { type: 'boolean' },
} as const;

/** Run a command line; the exit status. */
export async function runCli(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    return await command(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof LiveUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`memcg-sim: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    // A file that cannot be opened is bad input too (fs errors carry the syscall).
    if (e instanceof InputError || e instanceof TraceError || e instanceof LiveSetupError || e instanceof MemcgError || (e as { syscall?: string }).syscall) {
      io.err(`memcg-sim: ${(e as Error).message}`);
      return 2;
    }
    io.err(`memcg-sim: internal error: ${e instanceof InternalError ? e.message : (e as Error).stack ?? String(e)}`);
    return 3;
  }
}

async function command(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'live') return liveCommand(argv.slice(1), io);
  const { values: o, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [cmd, ...args] = positionals;
  if (o.help || cmd === 'help' || cmd === undefined) {
    io.out(USAGE);
    return cmd === undefined && !o.help ? 2 : 0;
  }
  if (o.json && o.csv) throw new UsageError('--json and --csv exclude each other');
  switch (cmd) {
    case 'examples':
      return examples(args, io);
    case 'validate': {
      const sc = loadScenario(one(args, 'a scenario file'));
      for (const m of machines(sc)) await prepareSystem(sc, m.spec); // the checks that need the system's files
      const steps = sc.phases.reduce((n, p) => n + p.steps.length, 0);
      io.out(`${sc.name}: ok (${sc.cgroups.length} cgroups, ${sc.tasks.size} tasks, ${sc.phases.length} phases, ${steps} steps, ${sc.expect.length} expectations)`);
      for (const n of sc.notes) io.out(`  note: ${n}`);
      return 0;
    }
    case 'run': {
      const sc = scenarioArg(args, o.example, parseSetArgs(o.set ?? []));
      return runWith(io, o, (opts) => runScenario(sc, opts));
    }
    case 'compare':
      return compare(scenarioArg(args, o.example), o, io);
    case 'replay': {
      const sc = o.system ? loadScenario(o.system) : parseScenario({}, 'default system');
      const file = one(args, 'a trace file');
      return runWith(io, o, (opts) => runTrace(file, sc, opts));
    }
    case 'sweep': {
      if (args[0] === 'merge') return mergeCommand(args.slice(1), o, io);
      return sweepCommand(one(args, 'a sweep file (or sweep merge …)'), { ...o, sets: parseSetArgs(o.set ?? []) }, io);
    }
    case 'report': {
      if (!o.output) throw new UsageError('report needs -o REPORT.html');
      const data = reportData(one(args, 'a run result (run --json) or a sweep output (.jsonl)'));
      writeFileSync(o.output, reportHtml(data));
      io.out(`${o.output}: ${data.kind} report of ${data.title}`);
      return 0;
    }
    case 'trace':
      return trace(args, o, io);
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

function one(args: string[], what: string): string {
  if (args.length !== 1) throw new UsageError(`expected ${what}`);
  return args[0];
}

function scenarioArg(args: string[], example: string | undefined, sets: [string, unknown][] = []): Scenario {
  if (example === undefined) {
    const file = one(args, 'a scenario file or --example NAME');
    return sets.length ? parseScenario(applySets(readJsonFile(file), sets), scenarioName(file), file) : loadScenario(file);
  }
  if (args.length) throw new UsageError('give a scenario file or --example, not both');
  const ex = EXAMPLES.find((e) => e.name === example);
  if (!ex) throw new UsageError(`no example "${example}" (known: ${EXAMPLES.map((e) => e.name).join(', ')})`);
  return sets.length ? parseScenario(applySets(ex.scenario, sets), ex.name, `example ${ex.name}`) : exampleScenario(ex);
}

type RunFlags = { json?: boolean; csv?: boolean; variant?: string; html?: string; 'trace-events'?: string; 'trace-clock'?: string };

/** run / replay with the output options: the summary (or JSON, CSV), an HTML report, trace events. */
async function runWith(io: Io, o: RunFlags, go: (opts: RunOptions) => Promise<RunResult>): Promise<number> {
  const clock = o['trace-clock'] ?? 'sim';
  if (clock !== 'sim' && clock !== 'ops') throw new UsageError(`--trace-clock ${clock}: expected sim or ops`);
  if (o['trace-clock'] !== undefined && !o['trace-events']) throw new UsageError('--trace-clock goes with --trace-events');
  const events = o['trace-events'] ? new TraceEventFile(o['trace-events'], clock) : undefined;
  let res: RunResult;
  try {
    res = await go({ variant: o.variant, progress: progress(io, o), sampleAll: o.html !== undefined, traceEvents: events });
  } finally {
    events?.close();
  }
  const code = report(res, io, o);
  if (events) {
    const n = [...events.counts.values()].reduce((a, b) => a + b, 0);
    io.err(`trace events: ${o['trace-events']} (${n} events)${clock === 'sim' && !events.clockMoved ? '; the simulated clock did not advance: every event is at 0 (--trace-clock ops spreads them by record)' : ''}`);
  }
  if (o.html) {
    writeFileSync(o.html, reportHtml({ kind: 'run', title: res.scenario, result: res }));
    io.err(`report: ${o.html}`);
  }
  return code;
}

function progress(io: Io, o: { json?: boolean; csv?: boolean }) {
  return io.tty && !o.json && !o.csv ? new ProgressBar(io.tty) : undefined;
}

function report(res: RunResult, io: Io, o: { json?: boolean; csv?: boolean }): number {
  io.out(o.json ? JSON.stringify(res, null, 2) : o.csv ? toCsv(res) : formatResult(res));
  const failed = res.runs.flatMap((r) => r.expectations.filter((e) => !e.ok).map((e) => ({ ...e, variant: r.variant })));
  if ((o.json || o.csv) && failed.length) {
    for (const e of failed) io.err(`memcg-sim: expectation failed${e.variant ? ` (variant ${e.variant})` : ''}: ${e.path}: ${e.check} (got ${e.actual})`);
  }
  return failed.length ? 1 : 0;
}

function examples(args: string[], io: Io): number {
  if (args.length === 0) {
    const w = Math.max(...EXAMPLES.map((e) => e.name.length));
    for (const e of EXAMPLES) io.out(`${e.name.padEnd(w)}  ${e.summary}`);
    return 0;
  }
  const ex = EXAMPLES.find((e) => e.name === one(args, 'an example name'));
  if (!ex) throw new UsageError(`no example "${args[0]}" (known: ${EXAMPLES.map((e) => e.name).join(', ')})`);
  io.out(JSON.stringify(ex.scenario, null, 2));
  return 0;
}

async function trace(args: string[], o: { example?: string; output?: string; system?: string }, io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'record') {
    if (!o.output) throw new UsageError('trace record needs -o TRACE.bin');
    const sc = scenarioArg(rest, o.example);
    const r = await recordTrace(sc, o.output);
    io.out(`${o.output}: ${r.records} records, ${r.cgroups} cgroups in the path table, ${r.tasks} tasks, ${r.bytes} bytes`);
    return 0;
  }
  if (sub === 'info') {
    const file = one(rest, 'a trace file');
    const sc = o.system ? loadScenario(o.system) : parseScenario({}, 'default system');
    const sys = await systemOf(sc.system);
    const info = validateTrace(file, machineOf(sys));
    io.out(`${file}: memcg-sim trace version ${info.version}, ${info.records} records (${si(info.records)}), valid for ${sys.cpus} CPUs / ${sys.nodes} nodes`);
    io.out(`ops: ${Object.entries(info.ops).map(([k, n]) => `${k} ${n}`).join(', ')}; ${info.handles} folio handles`);
    const path = (i: number) => (info.paths[i] === '' ? '/' : info.paths[i]);
    io.out(`cgroups: ${info.paths.map((_, i) => path(i)).join(' ')}`);
    if (info.tasks.length) io.out(`tasks: ${info.tasks.map((t) => `${t.name} (${path(t.cgroup)}${t.oomScoreAdj ? `, oom_score_adj ${t.oomScoreAdj}` : ''})`).join(' ')}`);
    return 0;
  }
  throw new UsageError('trace record | trace info');
}

/** compare: one column per profile × topology (or per variant), the cost model on. */
async function compare(sc: Scenario, o: { profiles?: string; topology?: string; json?: boolean; csv?: boolean; 'max-regression'?: string; html?: string }, io: Io): Promise<number> {
  const list = (v?: string) => (v === undefined ? [undefined] : v.split(',').map((x) => x.trim()).filter(Boolean));
  const limit = o['max-regression'] === undefined ? undefined : Number(o['max-regression']);
  if (limit !== undefined && !(limit >= 0)) throw new UsageError(`--max-regression takes a percentage >= 0, not "${o['max-regression']}"`);
  const configs: { name: string; spec: SystemSpec }[] = [];
  if (o.profiles === undefined && o.topology === undefined && sc.variants.length) {
    for (const v of sc.variants) configs.push({ name: v.name, spec: v.system });
  } else {
    const profiles = list(o.profiles);
    const topos = list(o.topology);
    for (const p of profiles) for (const t of topos) {
      const spec: SystemSpec = { ...sc.system, ...(p ? { profile: p } : {}), ...(t ? { topology: t } : {}) };
      configs.push({ name: [p ?? sc.system.profile ?? 'multi', ...(t && topos.length > 1 ? [t] : [])].join(' '), spec });
    }
  }
  if (configs.length === 0) throw new UsageError('compare needs --profiles, --topology or a scenario with variants');
  const runs = [];
  for (const c of configs) {
    const spec = { ...c.spec, costModel: c.spec.costModel ?? true };
    const res = await runScenario({ ...sc, system: spec, variants: [] });
    runs.push({ name: c.name, run: res.runs[0] });
  }
  const res = compareResult(sc.name, runs);
  io.out(o.json ? JSON.stringify(res, null, 2) : o.csv ? compareCsv(res) : formatCompare(res));
  if (o.html) {
    writeFileSync(o.html, reportHtml(compareReport(res)));
    io.err(`report: ${o.html}`);
  }
  if (limit !== undefined && res.regression.worstPct > limit) {
    io.err(`memcg-sim: modelled throughput falls by ${res.regression.worstPct.toFixed(1)}% (more than --max-regression ${limit}%)`);
    return 1;
  }
  return 0;
}

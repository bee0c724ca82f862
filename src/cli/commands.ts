// The memcg-sim commands, as a function of argv and the streams (main.ts is the bin).

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InternalError, MemcgError } from '../core/errors.js';
import { EXAMPLES, exampleScenario, type ExampleName } from '../scenario/examples.js';
import { ProgressBar, si } from './progress.js';
import { machineOf } from '../trace/replayer.js';
import { Interrupted, machines, prepareSystem, recordTrace, runScenario, runTrace, systemOf, type RunOptions } from '../scenario/runner.js';
import { loadScenario, parseScenario, type Scenario } from '../scenario/scenario.js';
import { formatResult, type RunResult, type Sample } from '../report/summary.js';
import { CsvSampleWriter, JsonResultWriter } from '../report/stream.js';
import { PAGE_SIZE } from '../cgroupfs/memparse.js';
import { TraceError, validateTrace } from '../trace/trace.js';
import { InputError } from '../scenario/validate.js';
import { LiveSetupError } from '../live/machine.js';
import { liveCommand, LiveUsageError } from './live.js';
import { applySets, parseSetArgs } from '../scenario/set.js';
import { TraceEventFile } from '../trace/events.js';
import { compareReport, reportHtml } from '../report/html.js';
import { compareCsv, compareResult, formatCompare } from '../report/compare.js';
import type { SystemSpec } from '../scenario/scenario.js';
import { mergeCommand, reportData, sweepCommand } from './sweep.js';
import { UsageError } from './usage.js';

type Opt = { type: 'boolean' | 'string'; short?: string; help: string; arg?: string; multiple?: true };
const OPT: Record<string, Opt> = {
  json: { type: 'boolean', help: 'the result as JSON on stdout (the same bytes for the same inputs)' },
  csv: { type: 'boolean', help: 'the sampled time series as CSV on stdout' },
  example: { type: 'string', arg: 'NAME', help: 'a built-in scenario (memcg-sim examples) instead of a file' },
  variant: { type: 'string', arg: 'NAME', help: 'run only this variant' },
  system: { type: 'string', arg: 'SYS.json', help: 'the system, cgroups, expectations and sampling of this scenario file' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'the file to write' },
  'allow-large': { type: 'boolean', help: 'run beyond the budget (10 M records, 1 M output rows, 1 GiB per run): it streams, it takes long' },
  timing: { type: 'boolean', help: 'add the wall-clock time of each run (elapsedMs) to --json' },
  set: { type: 'string', multiple: true, arg: 'KEY=VALUE', help: 'override a value of the scenario before it is checked (repeatable), e.g. --set cgroups.db.memory.max=256M --set seed=3' },
  html: { type: 'string', arg: 'REPORT.html', help: 'also write an HTML report with plots (samples every cgroup and task)' },
  'trace-events': { type: 'string', arg: 'OUT.json', help: 'write Trace Event Format JSON for ui.perfetto.dev / chrome://tracing' },
  'trace-clock': { type: 'string', arg: 'sim|ops', help: 'the trace events\' time axis: simulated time (default) or 1 µs per record' },
  jobs: { type: 'string', short: 'j', arg: 'N', help: 'worker threads (default: the available parallelism)' },
  shard: { type: 'string', arg: 'I/N', help: 'run every N-th point from I' },
  shards: { type: 'string', arg: 'N', help: 'N shards, this one\'s index from a batch engine\'s array-job variables' },
  resume: { type: 'boolean', help: 'keep the points already in the output, run the others' },
  // memcg-sim compare
  profiles: { type: 'string', arg: 'A,B,…', help: 'the profiles to compare (a column each)' },
  topology: { type: 'string', arg: 'T,…', help: 'the topologies to compare (presets: 2s-72c, 1s-40c, 2s-224c, 2s-256c, 2s-256c-nps4, host)' },
  'max-regression': { type: 'string', arg: 'PCT', help: 'exit 1 when a column\'s modelled throughput is more than PCT % below the first\'s' },
  // memcg-sim live (src/cli/live.ts)
  replay: { type: 'string', arg: 'M.json', help: 'compare saved kernel measurements again, without a kernel' },
  'cgroup-root': { type: 'string', arg: 'PATH', help: 'make the case cgroups below PATH (default: below this process\'s memcg)' },
  repeat: { type: 'string', arg: 'N', help: 'run the kernel side N times (1..100): a value the runs disagree on varies' },
  save: { type: 'string', arg: 'M.json', help: 'save the kernel measurements' },
  known: { type: 'string', arg: 'K.json', help: 'known differences (marked, not counted in the exit status)' },
  profile: { type: 'string', arg: 'NAME', help: 'emulator profile (default: the one for uname -r)' },
  'kernel-only': { type: 'boolean', help: 'run only the kernel side (for a scenario the emulator cannot run: a shmem step after shmem-free)' },
  stat: { type: 'string', arg: 'last|all|none', help: 'where memory.stat is compared (each read waits for the 2 s flush); default last' },
  all: { type: 'boolean', help: 'print the agreeing values too' },
  prefix: { type: 'string', arg: 'P', help: 'case cgroup names P<pid>-<n> (default msim-)' },
  'data-dir': { type: 'string', arg: 'DIR', help: 'page cache files in DIR (a disk filesystem; default the temp directory)' },
  verbose: { type: 'boolean', short: 'v', help: 'log what the kernel side does on stderr' },
  help: { type: 'boolean', short: 'h', help: 'this command\'s usage' },
};

type Command = {
  name: string; args: string; about: string; options: string[]; positionals: [number, number];
  /** What an option's argument is for this command (the output file's kind). */
  arg?: Record<string, string>;
};
const RUN_OUT = ['set', 'html', 'trace-events', 'trace-clock'];
const COMMANDS: Command[] = [
  { name: 'run', args: 'SCENARIO.json | --example NAME', about: 'run a scenario and print a summary per cgroup', options: ['json', 'csv', 'example', 'variant', 'allow-large', 'timing', ...RUN_OUT], positionals: [0, 1] },
  { name: 'validate', args: 'SCENARIO.json', about: 'check a scenario file (every error with its JSON path)', options: ['allow-large', 'set'], positionals: [1, 1] },
  { name: 'examples', args: '[NAME]', about: 'list the built-in scenarios, or print one as JSON', options: [], positionals: [0, 1] },
  { name: 'sweep', args: 'SWEEP.json [-o OUT.jsonl]', about: 'run a scenario over a grid of points on a worker pool (docs/sweeps.md)', options: ['output', 'jobs', 'shard', 'shards', 'resume', 'set', 'html', 'allow-large'], positionals: [1, 1], arg: { output: 'OUT.jsonl' } },
  { name: 'sweep merge', args: 'A.jsonl B.jsonl … -o ALL.jsonl', about: 'merge shard outputs (the unsharded output, byte for byte)', options: ['output', 'html'], positionals: [1, Infinity], arg: { output: 'ALL.jsonl' } },
  { name: 'report', args: 'RUN.json | SWEEP.jsonl -o REPORT.html', about: 'an HTML report of run --json output or a sweep\'s output', options: ['output'], positionals: [1, 1], arg: { output: 'REPORT.html' } },
  { name: 'trace record', args: 'SCENARIO.json | --example NAME -o TRACE.bin', about: 'write the op records of a scenario\'s workload', options: ['example', 'output', 'allow-large', 'set'], positionals: [0, 1], arg: { output: 'TRACE.bin' } },
  {
    name: 'compare', args: 'SCENARIO.json | --example NAME',
    about: 'the workload on each profile / topology (or each variant) with the cost model on, side by side, each column\'s change against the first (docs/cost-model.md)',
    options: ['example', 'profiles', 'topology', 'json', 'csv', 'max-regression', 'html', 'set', 'allow-large'], positionals: [0, 1],
  },
  { name: 'trace info', args: 'TRACE.bin [--system SYS.json]', about: 'check a trace and count its ops', options: ['system'], positionals: [1, 1] },
  { name: 'replay', args: 'TRACE.bin [--system SYS.json]', about: 'replay a trace in bulk on the system (and cgroups, expectations, sampling) of a scenario file', options: ['system', 'json', 'csv', 'variant', 'allow-large', 'timing', 'html', 'trace-events', 'trace-clock'], positionals: [1, 1] },
  {
    name: 'live', args: 'SCENARIO.json | --replay M.json', about: 'run a scenario on this machine\'s kernel (as root, in child cgroups it removes afterwards) and on the emulator, and print the values that differ (docs/live.md)',
    options: ['json', 'replay', 'cgroup-root', 'repeat', 'save', 'known', 'profile', 'kernel-only', 'stat', 'all', 'prefix', 'data-dir', 'verbose'], positionals: [0, 1],
  },
];

const STATUS = 'exit status: 0 ok, 1 an expectation failed (live: a value differs; sweep: a point could not run;\n' +
  'sweep merge: points missing), 2 bad input (usage, scenario, trace; live: no usable cgroup, not root,\n' +
  'no compiler), 3 internal error, 4 the output could not be written, 130 interrupted (SIGINT; 143 for SIGTERM)';

function commandUsage(c: Command): string {
  const opts = c.options.map((k) => {
    const arg = c.arg?.[k] ?? OPT[k].arg;
    return `  --${k}${OPT[k].short ? `, -${OPT[k].short}` : ''}${arg ? ` ${arg}` : ''}`.padEnd(28) + OPT[k].help;
  });
  return `usage: memcg-sim ${c.name} ${c.args}\n\n${c.about}${opts.length ? `\n\n${opts.join('\n')}` : ''}\n  --help, -h                this help`;
}

export const USAGE = `usage: memcg-sim <command> [options]     (memcg-sim <command> --help for its options)

${COMMANDS.map((c) => `  ${c.name} ${c.args}\n      ${c.about}`).join('\n')}
  --version, -V
      the version

${STATUS}`;

export type Io = {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stdout as it is, for output written piece by piece (streamed JSON/CSV); out() adds a newline. */
  write?: (s: string) => void;
  /** stderr, when it is a terminal: the progress bar goes there. */
  tty?: { write(s: string): unknown };
  /** Aborted on SIGINT/SIGTERM: the run stops at its next pause and writes what it has. */
  signal?: AbortSignal;
  /** Which signal aborted it (for the exit status). */
  signalName?: () => string | undefined;
};

export function processIo(): Io {
  const ac = new AbortController();
  let name: string | undefined;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (name) process.exit(sig === 'SIGINT' ? 130 : 143); // a second one: stop at once
      name = sig;
      ac.abort();
    });
  }
  return {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    write: (s) => process.stdout.write(s),
    tty: process.stderr.isTTY ? process.stderr : undefined,
    signal: ac.signal,
    signalName: () => name,
  };
}


/** The package's version (package.json, two or three levels above this file). */
export function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'memcg-sim') return pkg.version ?? '?';
    } catch {
      // not here
    }
  }
  return '?';
}

/** Run a command line; the exit status. */
export async function runCli(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    return await command(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof LiveUsageError) {
      const cmd = COMMANDS.find((c) => c.name === (e instanceof LiveUsageError ? 'live' : e.command));
      io.err(`memcg-sim: ${e.message}\n\n${cmd ? commandUsage(cmd) : USAGE}`);
      return 2;
    }
    if (e instanceof Interrupted) {
      io.err(`memcg-sim: ${e.message}: nothing written`);
      return exitOnSignal(io);
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

function exitOnSignal(io: Io): number {
  return io.signalName?.() === 'SIGTERM' ? 143 : 130;
}

/** The command named by argv (two words for trace), its options and positionals. */
function parse(argv: string[]): { cmd: Command; o: Flags; args: string[] } {
  const words = argv[0] === 'trace' || (argv[0] === 'sweep' && argv[1] === 'merge') ? 2 : 1;
  const name = argv.slice(0, words).join(' ');
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    if (argv[0] === 'trace') throw new UsageError(`trace needs record or info${argv[1] ? `, not "${argv[1]}"` : ''}`);
    throw new UsageError(argv[0].startsWith('-') ? `unknown option ${argv[0]} (the command comes first)` : `unknown command "${argv[0]}"`);
  }
  const rest = argv.slice(words);
  const allowed = [...cmd.options, 'help'];
  for (const a of rest) {
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') continue;
    const key = a.startsWith('--') ? a.slice(2).split('=')[0] : Object.keys(OPT).find((k) => OPT[k].short === a[1]);
    if (key === undefined || !(key in OPT)) throw new UsageError(`unknown option ${a.split('=')[0]} for ${cmd.name}`, cmd.name);
    if (!allowed.includes(key)) throw new UsageError(`--${key} does not apply to ${cmd.name}`, cmd.name);
  }
  const options = Object.fromEntries(allowed.map((k) => [k, { type: OPT[k].type, ...(OPT[k].short ? { short: OPT[k].short } : {}), ...(OPT[k].multiple ? { multiple: true } : {}) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: options as never, allowPositionals: true, strict: true });
  } catch (e) {
    // What is left: an option without its value, or a value given to a flag.
    const m = /'(-[^' ]*)[^']*'/.exec((e as Error).message);
    throw new UsageError(m ? `option ${m[1]} ${/argument missing/.test((e as Error).message) ? 'needs a value' : 'takes no value'}` : `bad options for ${cmd.name}`, cmd.name);
  }
  const o = parsed.values as Flags;
  // A value-taking option given twice keeps only the last one in parseArgs: say so instead.
  for (const k of allowed) {
    if (OPT[k].type === 'string' && !OPT[k].multiple && rest.filter((a) => a === `--${k}` || a.startsWith(`--${k}=`) || (OPT[k].short !== undefined && a === `-${OPT[k].short}`)).length > 1) {
      throw new UsageError(`--${k} is given more than once`, cmd.name);
    }
  }
  const args = parsed.positionals;
  if (!o.help && (args.length < cmd.positionals[0] || args.length > cmd.positionals[1])) {
    throw new UsageError(args.length > cmd.positionals[1] ? `too many arguments for ${cmd.name}: ${args.slice(cmd.positionals[1]).join(' ')}` : `${cmd.name} needs ${cmd.args}`, cmd.name);
  }
  return { cmd, o, args };
}

/** The parsed options of a command line. */
type Flags = Record<string, string | boolean | string[] | undefined>;
const str = (v: unknown) => v as string | undefined;

async function command(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0) {
    io.err(USAGE);
    return 2;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.out(`memcg-sim ${version()}`);
    return 0;
  }
  const { cmd, o, args } = parse(argv);
  if (o.help) {
    io.out(commandUsage(cmd));
    return 0;
  }
  if (o.json && o.csv) throw new UsageError('--json and --csv exclude each other', cmd.name);
  const allowLarge = o['allow-large'] === true;
  const sets = parseSetArgs((o.set as string[] | undefined) ?? []);
  switch (cmd.name) {
    case 'examples':
      return examples(args, io);
    case 'live':
      return liveCommand(o, args, io);
    case 'validate': {
      const sc = loadScenario(args[0], { allowLarge, sets });
      for (const m of machines(sc)) (await prepareSystem(sc, m.spec)).dispose(); // the checks that need the system's files
      const steps = sc.phases.reduce((n, p) => n + p.steps.length, 0);
      io.out(`${sc.name}: ok (${sc.cgroups.length} cgroups, ${sc.tasks.size} tasks, ${sc.phases.length} phases, ${steps} steps, ${sc.expect.length} expectations)`);
      io.out(`  a run replays up to ${si(sc.budget.records)} records, writes up to ${si(sc.budget.rows)} rows, ${sc.budget.simulatedMs ? `waits ${si(sc.budget.simulatedMs)} ms` : 'no waits'}`);
      for (const n of sc.notes) io.out(`  note: ${n}`);
      return 0;
    }
    case 'run': {
      const sc = scenarioArg(args, str(o.example), cmd, allowLarge, sets);
      return report(cmd.name, sc, (opts) => runScenario(sc, opts), io, o, { scenario: sc.name, description: sc.description });
    }
    case 'replay': {
      const sc = o.system ? loadScenario(o.system as string, { allowLarge }) : parseScenario({}, 'default system');
      return report(cmd.name, sc, (opts) => runTrace(args[0], sc, opts), io, o, { scenario: `${args[0]} on ${sc.name}`, description: '' });
    }
    case 'sweep':
      return sweepCommand(args[0], {
        output: str(o.output), jobs: str(o.jobs), shard: str(o.shard), shards: str(o.shards), resume: o.resume === true, html: str(o.html), sets, allowLarge,
      }, io);
    case 'sweep merge':
      return mergeCommand(args, { output: str(o.output), html: str(o.html) }, io);
    case 'report': {
      if (!o.output) throw new UsageError('report needs -o REPORT.html', cmd.name);
      const data = reportData(args[0]);
      writeFileSync(o.output as string, reportHtml(data));
      io.out(`${o.output}: ${data.kind} report of ${data.title}`);
      return 0;
    }
    case 'trace record': {
      if (!o.output) throw new UsageError('trace record needs -o TRACE.bin', cmd.name);
      const sc = scenarioArg(args, str(o.example), cmd, allowLarge, sets);
      const r = await recordTrace(sc, o.output as string, undefined, { signal: io.signal, progress: progress(io, {}) });
      io.out(`${o.output}: ${r.records} records, ${r.cgroups} cgroups in the path table, ${r.tasks} tasks, ${r.bytes} bytes`);
      return 0;
    }
    case 'trace info':
      return traceInfo(args[0], o, io);
    case 'compare':
      return compare(scenarioArg(args, str(o.example), cmd, allowLarge, sets), {
        profiles: str(o.profiles), topology: str(o.topology), json: o.json === true, csv: o.csv === true, 'max-regression': str(o['max-regression']), html: str(o.html),
      }, io);
  }
  throw new UsageError(`unknown command "${cmd.name}"`);
}

/** The scenario of a file or a built-in example, with the --set values applied before it is checked. */
function scenarioArg(args: string[], example: string | undefined, cmd: Command, allowLarge: boolean, sets: [string, unknown][]): Scenario {
  if (example === undefined) {
    if (args.length !== 1) throw new UsageError(`${cmd.name} needs a scenario file or --example NAME`, cmd.name);
    return loadScenario(args[0], { allowLarge, sets });
  }
  if (args.length) throw new UsageError('give a scenario file or --example, not both', cmd.name);
  const ex = EXAMPLES.find((e) => e.name === example);
  if (!ex) throw new UsageError(`no example "${example}" (known: ${EXAMPLES.map((e) => e.name).join(', ')})`, cmd.name);
  if (!sets.length) return exampleScenario(example as ExampleName);
  return parseScenario(applySets(ex.scenario, sets), ex.name, `example ${ex.name}`, { allowLarge });
}

function progress(io: Io, o: { json?: unknown; csv?: unknown }) {
  return io.tty && !o.json && !o.csv ? new ProgressBar(io.tty) : undefined;
}

/**
 * Run, writing the result: text at the end; JSON and CSV streamed (samples as they are
 * taken). Interrupted: what ran so far, marked, and 130.
 */
async function report(
  command: string, sc: Scenario, go: (opts: RunOptions) => Promise<RunResult>, io: Io, o: Flags,
  head: { scenario: string; description: string },
): Promise<number> {
  const write = io.write ?? ((s: string) => io.out(s.replace(/\n$/, '')));
  const clock = str(o['trace-clock']) ?? 'sim';
  if (clock !== 'sim' && clock !== 'ops') throw new UsageError(`--trace-clock ${clock}: expected sim or ops`, command);
  if (o['trace-clock'] !== undefined && !o['trace-events']) throw new UsageError('--trace-clock goes with --trace-events', command);
  const html = str(o.html);
  const opts: RunOptions = {
    variant: str(o.variant), progress: progress(io, o), signal: io.signal, timing: o.timing === true,
    allowLarge: o['allow-large'] === true, sampleAll: html !== undefined,
  };
  // The report needs the samples a streamed --json or --csv does not keep: one list per run (about 1000 rows each).
  const kept: Sample[][] = [];
  const keep = (s: Sample) => void (html !== undefined && kept.at(-1)!.push(s));
  let json: JsonResultWriter | undefined;
  let csv: CsvSampleWriter | undefined;
  if (o.json) {
    const w = (json = new JsonResultWriter(write));
    w.start({ ...head, notes: sc.notes, pageSize: PAGE_SIZE });
    Object.assign(opts, {
      onRunStart: (h) => (kept.push([]), w.runStart(h)), onSample: (_, s) => (keep(s), w.sample(s)), onRunEnd: (r) => w.runEnd(r),
    } satisfies RunOptions);
  } else if (o.csv) {
    const w = (csv = new CsvSampleWriter(write));
    Object.assign(opts, { onRunStart: () => void kept.push([]), onSample: (v, s) => (keep(s), w.sample(v, s)) } satisfies RunOptions);
    if (!sc.sample && html === undefined) io.err(`memcg-sim: note: ${sc.name} has no "sample": the CSV is its header only (add "sample": { "every": N, "files": [...] })`);
  }
  const events = o['trace-events'] ? new TraceEventFile(o['trace-events'] as string, clock) : undefined;
  let res: RunResult;
  try {
    res = await go({ ...opts, traceEvents: events });
  } finally {
    events?.close();
  }
  if (json) json.end(res);
  else if (csv) csv.end(res.interrupted === true);
  else io.out(formatResult(res));
  if (events) {
    const n = [...events.counts.values()].reduce((a, b) => a + b, 0);
    io.err(`trace events: ${o['trace-events']} (${n} events)${clock === 'sim' && !events.clockMoved ? '; the simulated clock did not advance: every event is at 0 (--trace-clock ops spreads them by record)' : ''}`);
  }
  if (html !== undefined) {
    const result = kept.length ? { ...res, runs: res.runs.map((r, i) => ({ ...r, samples: kept[i] ?? [] })) } : res;
    writeFileSync(html, reportHtml({ kind: 'run', title: res.scenario, result }));
    io.err(`report: ${html}`);
  }
  if (res.interrupted) {
    const ops = res.runs.reduce((n, r) => n + r.ops, 0);
    io.err(`memcg-sim: interrupted after ${ops} records: the output above is partial${json ? ' ("interrupted": true)' : csv ? ' (its last row says so)' : ''}`);
    return exitOnSignal(io);
  }
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
  const ex = EXAMPLES.find((e) => e.name === args[0]);
  if (!ex) throw new UsageError(`no example "${args[0]}" (known: ${EXAMPLES.map((e) => e.name).join(', ')})`, 'examples');
  io.out(JSON.stringify(ex.scenario, null, 2));
  return 0;
}

async function traceInfo(file: string, o: Flags, io: Io): Promise<number> {
  const sc = o.system ? loadScenario(o.system as string) : parseScenario({}, 'default system');
  const sys = await systemOf(sc.system);
  const bar = progress(io, {});
  let info;
  try {
    info = validateTrace(file, machineOf(sys), bar && ((done, total) => {
      if (done === 0) bar.start(file, total);
      else bar.update(done);
    }));
  } finally {
    bar?.end();
    sys.dispose();
  }
  io.out(`${file}: memcg-sim trace version ${info.version}, ${info.records} records (${si(info.records)}), valid for ${sys.cpus} CPUs / ${sys.nodes} nodes`);
  io.out(`ops: ${Object.entries(info.ops).map(([k, n]) => `${k} ${n}`).join(', ')}; ${info.handles} folio handles`);
  const path = (i: number) => (info.paths[i] === '' ? '/' : info.paths[i]);
  io.out(`cgroups: ${info.paths.map((_, i) => path(i)).join(' ')}`);
  if (info.tasks.length) io.out(`tasks: ${info.tasks.map((t) => `${t.name} (${path(t.cgroup)}${t.oomScoreAdj ? `, oom_score_adj ${t.oomScoreAdj}` : ''})`).join(' ')}`);
  return 0;
}

/** compare: one column per profile × topology (or per variant), the cost model on. */
async function compare(sc: Scenario, o: { profiles?: string; topology?: string; json?: boolean; csv?: boolean; 'max-regression'?: string; html?: string }, io: Io): Promise<number> {
  const list = (v?: string) => (v === undefined ? [undefined] : v.split(',').map((x) => x.trim()).filter(Boolean));
  const limit = o['max-regression'] === undefined ? undefined : Number(o['max-regression']);
  if (limit !== undefined && !(limit >= 0)) throw new UsageError(`--max-regression takes a percentage >= 0, not "${o['max-regression']}"`, 'compare');
  const configs: { name: string; spec: SystemSpec }[] = [];
  if (o.profiles === undefined && o.topology === undefined && sc.variants.length) {
    for (const v of sc.variants) configs.push({ name: v.name, spec: v.system });
  } else {
    const profiles = list(o.profiles);
    const topos = list(o.topology);
    for (const p of profiles) for (const t of topos) {
      const spec = { ...sc.system, ...(p ? { profile: p } : {}), ...(t ? { topology: t } : {}) } as SystemSpec; // the runner checks the names
      configs.push({ name: [p ?? sc.system.profile ?? 'multi', ...(t && topos.length > 1 ? [t] : [])].join(' '), spec });
    }
  }
  if (configs.length === 0) throw new UsageError('compare needs --profiles, --topology or a scenario with variants', 'compare');
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

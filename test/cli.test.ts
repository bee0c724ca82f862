// The memcg-sim command line: exit statuses, --json / --csv output shapes, examples, trace
// commands, the progress bar (a TTY only, never with --json), and the built bin itself.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli, type Io } from '../src/cli/commands.js';
import { EXAMPLES } from '../src/scenario/examples.js';
import { ProgressBar } from '../src/cli/progress.js';
import type { RunResult } from '../src/report/summary.js';
import { tmp } from './helpers/scenario.js';

/** Run the CLI in process: exit status, stdout, stderr, what reached the (fake) terminal. */
async function cli(args: string[], opts: { tty?: boolean } = {}) {
  let out = '';
  let err = '';
  let term = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), tty: opts.tty ? { write: (s: string) => (term += s) } : undefined };
  const code = await runCli(args, io);
  return { code, out, err, term };
}

function scenarioFile(doc: unknown): string {
  const f = tmp('s.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

const PASSING = { cgroups: { a: { 'memory.max': '1M' } }, workload: [{ steps: [{ charge: { cgroup: 'a', count: 300 } }] }], expect: [{ read: 'a/memory.events', key: 'oom', equals: 44 }] };
const FAILING = { ...PASSING, expect: [{ read: 'a/memory.events', key: 'oom', equals: 0 }] };

describe('exit status', () => {
  test.each<[string, string[] | (() => string[]), number, RegExp]>([
    ['help', ['--help'], 0, /^$/],
    ['no command: the usage on stderr', [], 2, /^usage: memcg-sim <command> \[options\]/],
    ['unknown command', ['frobnicate'], 2, /unknown command "frobnicate"/],
    ['unknown option: named, with the command\'s usage', ['run', '--jsn'], 2, /^memcg-sim: unknown option --jsn for run\n\nusage: memcg-sim run SCENARIO.json \| --example NAME\n/],
    ['an option of another command', ['run', '--example', 'quickstart', '-o', 'x.bin'], 2, /^memcg-sim: --output does not apply to run\n\nusage: memcg-sim run /],
    ['an option without its value', ['run', '--example'], 2, /^memcg-sim: option --example needs a value\n/],
    ['too many arguments', ['validate', 'a.json', 'b.json'], 2, /^memcg-sim: too many arguments for validate: b\.json/],
    ['trace without a subcommand', ['trace'], 2, /^memcg-sim: trace needs record or info\n/],
    ['--json with --csv', ['run', '--example', 'quickstart', '--json', '--csv'], 2, /--json and --csv exclude each other/],
    ['unknown example', ['run', '--example', 'nope'], 2, /no example "nope"/],
    ['missing scenario file', ['run', '/nonexistent.json'], 2, /\/nonexistent.json: 1 error\n {2}\(file\): ENOENT/],
    ['invalid scenario', () => ['run', scenarioFile({ workload: [{ steps: [{ charge: { cgroup: 'b' } }] }] })], 2, /workload\[0\]\.steps\[0\]\.charge\.cgroup: no cgroup "b" in cgroups/],
    ['a step the kernel has not', () => ['run', scenarioFile({ cgroups: { a: {} }, workload: [{ steps: [{ 'swap-out': { cgroup: 'a' } }] }] })], 2, /workload\[0\]\.steps\[0\]\["swap-out"\]: no such step: the kernel swaps pages out only by reclaim/],
    ['expectations hold', () => ['run', scenarioFile(PASSING)], 0, /^$/],
    ['an expectation fails', () => ['run', scenarioFile(FAILING)], 1, /^$/],
    ['an expectation fails (--json: named on stderr)', () => ['run', scenarioFile(FAILING), '--json'], 1, /expectation failed: expect\[0\]: a\/memory.events oom = 0 \(got "44"\)/],
    ['unknown variant', ['run', '--example', 'stock-thrash', '--variant', 'x'], 2, /no variant "x" \(known: single, multi, multi-rr\)/],
    ['trace record without -o', ['trace', 'record', '--example', 'quickstart'], 2, /trace record needs -o/],
    ['replay of a missing trace', ['replay', '/nonexistent.bin'], 2, /ENOENT: no such file or directory, open '\/nonexistent.bin'/],
    // The commands of #11 and #14 follow the same conventions (#12).
    ['sweep: an unknown option, with its usage', ['sweep', 'x.json', '--job', '2'], 2, /^memcg-sim: unknown option --job for sweep\n\nusage: memcg-sim sweep SWEEP\.json \[-o OUT\.jsonl\]\n/],
    ['sweep: an option of another command', ['sweep', 'x.json', '--csv'], 2, /^memcg-sim: --csv does not apply to sweep\n\nusage: memcg-sim sweep /],
    ['sweep: --jobs 0', ['sweep', 'x.json', '--jobs', '0'], 2, /^memcg-sim: --jobs 0: expected a number of workers 1\.\.1024\n\nusage: memcg-sim sweep /],
    ['sweep: --jobs 2x', ['sweep', 'x.json', '--jobs', '2x'], 2, /^memcg-sim: --jobs 2x: expected a number of workers/],
    ['sweep: a bad --shard', ['sweep', 'x.json', '--shard', '3/3'], 2, /^memcg-sim: --shard 3\/3: expected i\/n with 0 ≤ i < n/],
    ['sweep without a file', ['sweep'], 2, /^memcg-sim: sweep needs SWEEP\.json/],
    ['sweep merge without -o', ['sweep', 'merge', 'a.jsonl'], 2, /^memcg-sim: sweep merge needs -o ALL\.jsonl\n\nusage: memcg-sim sweep merge /],
    ['sweep merge --jobs', ['sweep', 'merge', 'a.jsonl', '-o', 'b.jsonl', '--jobs', '2'], 2, /^memcg-sim: --jobs does not apply to sweep merge\n/],
    ['report without -o', ['report', 'r.json'], 2, /^memcg-sim: report needs -o REPORT\.html\n\nusage: memcg-sim report /],
    ['report --set', ['report', 'r.json', '--set', 'seed=1'], 2, /^memcg-sim: --set does not apply to report\n/],
    ['live: an unknown option (was a raw parseArgs TypeError, status 3)', ['live', 'x.json', '--bogus'], 2, /^memcg-sim: unknown option --bogus for live\n\nusage: memcg-sim live SCENARIO\.json \| --replay M\.json\n/],
    ['live: --stat some', ['live', '--replay', 'm.json', '--stat', 'some'], 2, /^memcg-sim: --stat takes last, all or none, not "some"\n\nusage: memcg-sim live /],
    ['run --trace-clock without --trace-events', ['run', '--example', 'quickstart', '--trace-clock', 'ops'], 2, /^memcg-sim: --trace-clock goes with --trace-events\n\nusage: memcg-sim run /],
    ['run --trace-clock wall', ['run', '--example', 'quickstart', '--trace-events', '/dev/null', '--trace-clock', 'wall'], 2, /^memcg-sim: --trace-clock wall: expected sim or ops\n/],
    ['run --html given twice', ['run', '--example', 'quickstart', '--html', 'a.html', '--html', 'b.html'], 2, /^memcg-sim: --html is given more than once\n/],
    ['validate --set: checked like the file', ['validate', '/nonexistent.json', '--set', 'novalue'], 2, /novalue: expected key=value/],
  ])('%s', async (_, args, code, err) => {
    const r = await cli(typeof args === 'function' ? args() : args);
    expect(r.err).toMatch(err);
    expect(r.code).toBe(code);
  });

  test('a corrupt trace: 2, with the offset and the reason', async () => {
    const t = tmp('t.bin');
    expect((await cli(['trace', 'record', '--example', 'container-oom', '-o', t])).code).toBe(0);
    const b = readFileSync(t);
    // header: 32 + paths '' and 'container' (2 + 11) + tasks app and sidecar (8 + 3, 8 + 7) = 71 → 80
    b.writeUInt16LE(9, 80 + 16 * 5 + 4); // record 5: cpu 9
    writeFileSync(t, b);
    const r = await cli(['replay', t]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`memcg-sim: ${t}: offset 164: record 5: cpu 9 out of range 0..3\n`);
  });
});

describe('output', () => {
  test('run --json: the result object', async () => {
    const r = await cli(['run', '--example', 'container-oom', '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as RunResult;
    expect(Object.keys(res)).toEqual(['scenario', 'description', 'notes', 'pageSize', 'runs', 'ok']);
    expect(res).toMatchObject({ scenario: 'container-oom', ok: true, pageSize: 4096 });
    const [run] = res.runs;
    expect(Object.keys(run)).toEqual([
      'variant', 'system', 'samples', 'cost', 'ops', 'clockMs', 'phases', 'reads', 'warnings', 'expectations', 'cgroups', 'tasks', 'sim', 'stockHitRate',
    ]);
    expect(run.system).toEqual({
      profile: 'multi', cgroupVersion: 2, nodes: 1, cpus: 4, seed: 1,
      topology: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, nodesPerSocket: 1, coresPerLlc: 4 },
    });
    expect(run.cost).toBeNull(); // the cost model is off by default
    expect(run.phases.map((p) => [p.name, p.ops, p.charges, p.failed, p.dead])).toEqual([
      ['start', 10240, 10240, {}, 0], ['leak', 16384, 6145, { EINTR: 1 }, 10239], ['sidecar', 2048, 2048, {}, 0],
    ]);
    expect(run.cgroups).toEqual([{
      path: 'container', usagePages: 4096, peakPages: 16384, maxPages: 16384, highPages: null, stockedPages: 0, failcnt: null,
      events: { low: 0, high: 0, max: expect.any(Number), oom: 1, oom_kill: 1, oom_group_kill: 0 }, throttledMs: 0,
    }]);
    expect(run.tasks).toEqual([
      { name: 'app', cgroup: 'container', alive: false, killed: true, oomScoreAdj: 0, oomWait: null, anonPages: 0, swapEntries: 0, throttledMs: 0, dead: 10239 },
      { name: 'sidecar', cgroup: 'container', alive: true, killed: false, oomScoreAdj: 0, oomWait: null, anonPages: 4096, swapEntries: 0, throttledMs: 0, dead: 0 },
    ]);
    expect(run.expectations.every((e) => e.ok)).toBe(true);
    expect(run.samples).toHaveLength(8);
  });

  test('run --csv: the time series', async () => {
    const r = await cli(['run', '--example', 'container-oom', '--csv']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^variant,phase,ops,ms,container\/memory.current,container\/memory.events:low,/);
    // The container full at 16384 records, the app killed before 20480: only the sidecar's 8M left, then 16M.
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 5))).toEqual([
      ['(start)', '0', '0', '0'], ['start', '4096', '0', expect.any(String)], ['start', '8192', '0', expect.any(String)], ['leak', '12288', '0', expect.any(String)],
      ['leak', '16384', '0', '67108864'], ['leak', '20480', '0', '8388608'], ['leak', '24576', '0', '8388608'], ['sidecar', '28672', '0', '16777216'],
    ]);
  });

  test('examples lists them; examples NAME prints a scenario that runs the same', async () => {
    const list = await cli(['examples']);
    expect(list.out.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual(EXAMPLES.map((e) => e.name));
    const f = tmp('quickstart.json');
    writeFileSync(f, (await cli(['examples', 'quickstart'])).out);
    const a = await cli(['run', f]);
    const b = await cli(['run', '--example', 'quickstart']);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
  });

  test('validate: ok, with the notes', async () => {
    const f = scenarioFile({ system: { ram: '1G' }, cgroups: { a: {} }, tasks: { t: { cgroup: 'a', oom_score_adj: 100 } }, workload: [{ steps: [{ move: { task: 't', to: 'a' } }] }] });
    const r = await cli(['validate', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok \(1 cgroups, 1 tasks, 1 phases, 1 steps, 0 expectations\)\n {2}a run replays up to 1 records, writes up to 0 rows, no waits\n {2}note: system\.ram has no effect/);
  });

  test('run: the task table and the throttled time in the summary', async () => {
    const r = await cli(['run', '--example', 'high-throttle', '--variant', 'no swap']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('seed 1: 20992 ops, 43.5 s simulated');
    expect(r.out).toMatch(/cgroup {2}pages {2}usage {2}peak {3}max {2}high {3}stocked {2}high_ev {2}max_ev {2}oom_ev {2}oom_kill {2}throttled\n/);
    expect(r.out).toMatch(/\nsvc +10496 {2}41\.0M +41\.0M +max +32\.0M +0 +596 +0 +0 +0 {2}42\.8 s\n/);
    expect(r.out).toMatch(/\nleaky +svc +0 +8192 +0 {2}37\.9 s +alive +0\nworker +svc +0 +2304 +0 {2}4\.9 s +alive +0\n/);
  });

  test('trace record, info and replay --system', async () => {
    const t = tmp('q.bin');
    const rec = await cli(['trace', 'record', '--example', 'quickstart', '-o', t]);
    expect(rec.out).toBe(`${t}: 3120 records, 5 cgroups in the path table, 0 tasks, 50000 bytes\n`);
    const info = await cli(['trace', 'info', t]);
    expect(info.out).toContain('ops: charge 2600, uncharge 0, uncharge-list 520, set-max 0, set-high 0, set-low 0, set-min 0, touch 0, wait 0, sk-charge 0, sk-uncharge 0, move 0; 2600 folio handles');
    const t2 = tmp('c.bin');
    await cli(['trace', 'record', '--example', 'container-oom', '-o', t2]);
    expect((await cli(['trace', 'info', t2])).out).toMatch(/memcg-sim trace version 2, [^\n]*\n.*\ncgroups: \/ container\ntasks: app \(container\) sidecar \(container\)\n$/);
    const sys = tmp('sys.json');
    writeFileSync(sys, (await cli(['examples', 'quickstart'])).out);
    const rep = await cli(['replay', t, '--system', sys, '--json']);
    const direct = JSON.parse((await cli(['run', '--example', 'quickstart', '--json'])).out) as RunResult;
    const replayed = JSON.parse(rep.out) as RunResult;
    expect(replayed.runs[0].cgroups).toEqual(direct.runs[0].cgroups);
    expect(replayed.runs[0].sim).toEqual(direct.runs[0].sim);
    expect(replayed.ok).toBe(true);
  });
});

describe('progress bar', () => {
  test('on a terminal only, and never with --json or --csv', async () => {
    const f = scenarioFile({ cgroups: { a: {} }, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', pages: 400000, repeat: 3 } }] }] });
    const shown = await cli(['run', f], { tty: true });
    expect(shown.term).toMatch(/\[#*-*\] +\d+% [\d.]+[kM]?\/2\.4M ops, [\d.]+[kM]? ops\/s/);
    expect(shown.term.endsWith('\r\x1b[K')).toBe(true); // cleared at the end
    expect(shown.out).not.toContain('ops/s');
    expect((await cli(['run', f, '--json'], { tty: true })).term).toBe('');
    expect((await cli(['run', f])).term).toBe('');
  });

  test('draws at most every 100 ms', async () => {
    let s = '';
    const bar = new ProgressBar({ write: (x: string) => (s += x) }, 10);
    bar.start('x', 1000);
    bar.update(10);
    expect(s).toBe('');
    await new Promise((r) => setTimeout(r, 120));
    bar.update(500);
    expect(s).toMatch(/^\rx \[#####-----\]  50% 500\/1\.0k ops, [\d.]+k? ops\/s\x1b\[K$/);
  });
});

describe('the built bin (dist/src/cli/main.js)', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // dist/ is compiled once before the suite (test/helpers/global-setup.ts).
  const bin = (args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, encoding: 'utf8' });

  test('npm start: run --example quickstart', () => {
    const r = bin(['run', '--example', 'quickstart']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^quickstart: 2600 one-page charges/);
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
    // The README shows this output as "its real output": the block after `npm start` must be it.
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const from = readme.indexOf('quickstart: 2600 one-page charges');
    expect(from).toBeGreaterThan(0);
    expect(r.stdout).toBe(readme.slice(from, readme.indexOf('```', from)));
  });

  test('exit status 1 on a failed expectation, 2 on a bad scenario', () => {
    expect(bin(['run', scenarioFile(FAILING)]).status).toBe(1);
    const bad = bin(['run', scenarioFile({ system: { profile: 'x' } })]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/system\.profile: unknown profile "x"/);
  });
});

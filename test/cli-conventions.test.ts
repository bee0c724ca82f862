// Command-line conventions (issue #12): version and help, closed pipes and full disks,
// signals with partial output, reproducible and streamed --json/--csv, emulator limits.
// The bin is bundled from source by esbuild once (cli.test.ts checks the tsc-built one), at
// .test-bin/bin/main.mjs so it finds build/*.wasm and package.json two levels up.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { runCli, type Io } from '../src/cli/commands.js';
import { runScenario } from '../src/scenario/runner.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { JsonResultWriter, CsvSampleWriter } from '../src/report/stream.js';
import { toCsv } from '../src/report/summary.js';
import { PAGE_SIZE } from '../src/cgroupfs/memparse.js';
import { build, tmp } from './helpers/scenario.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const binFile = join(root, '.test-bin', 'bin', `main-${process.pid}.mjs`);
beforeAll(async () => {
  await esbuild({ entryPoints: [join(root, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: binFile, logLevel: 'silent' });
});
afterAll(() => rmSync(binFile, { force: true }));
const node = `"${process.execPath}" "${binFile}"`;
const run = (args: string[]) => spawn(process.execPath, [binFile, ...args], { cwd: root, env: { ...process.env, MEMCG_SIM_WASM: build } });

async function cli(args: string[], signal?: AbortSignal) {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), write: (s) => void (out += s), signal };
  return { code: await runCli(args, io), out: () => out, err: () => err };
}
function file(doc: unknown): string {
  const f = tmp('s.json');
  writeFileSync(f, JSON.stringify(doc));
  return f;
}
/** A run long enough to be interrupted at 300 ms: 10 M records, the run budget (over 0.6 s at the replay's ~60 ns/op). */
const LONG = { cgroups: { a: {} }, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', pages: 100000, repeat: 50 } }] }], sample: { every: 100000, files: ['a/memory.current'] } };

describe('version, help, usage', () => {
  test('--version and -V print the package version', async () => {
    const { version } = JSON.parse((await import('node:fs')).readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const v of ['--version', '-V']) {
      const r = await cli([v]);
      expect([r.code, r.out()]).toEqual([0, `memcg-sim ${version}\n`]);
    }
  });

  test.each(['run', 'validate', 'examples', 'trace record', 'trace info', 'replay', 'sweep', 'sweep merge', 'report', 'live'])('%s --help: its own usage on stdout', async (c) => {
    const r = await cli([...c.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.out()).toMatch(new RegExp(`^usage: memcg-sim ${c} `));
  });
});

describe('output streams (the real bin)', () => {
  test('into a closed pipe: quiet, status 0 (memcg-sim examples | head -1)', async () => {
    const sh = spawnSync('bash', ['-c', `${node} run --example container-oom --json | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: root, encoding: 'utf8' });
    expect([sh.stdout, sh.stderr]).toEqual(['0\n', '']);
    // A pipe closed before anything was written.
    const child = spawn(process.execPath, [binFile, 'examples'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.destroy();
    const status = await new Promise((r) => child.on('close', r));
    expect([status, err]).toEqual([0, '']);
  });

  test('/dev/full: one clear line, status 4, no stack trace', () => {
    const r = spawnSync('sh', ['-c', `${node} examples quickstart > /dev/full`], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(4);
    expect(r.stderr).toBe('memcg-sim: cannot write the output: ENOSPC (no space left on the device)\n');
  });
});

describe('interrupted runs', () => {
  test('--json: the result so far, marked interrupted; status 130 (the signal aborts at the next pause)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await cli(['run', file(LONG), '--json'], ac.signal);
    expect(r.code).toBe(130);
    const res = JSON.parse(r.out());
    expect(res.interrupted).toBe(true);
    expect(res.ok).toBe(false);
    expect(res.runs[0].interrupted).toBe(true);
    expect(res.runs[0].ops).toBeLessThan(10_000_000);
    expect(res.runs[0].samples.at(-1).ops).toBe(res.runs[0].ops); // the last sample is at the stop
    expect(r.err()).toMatch(/^memcg-sim: interrupted after \d+ records: the output above is partial \("interrupted": true\)\n$/);
  });

  test('the real bin on SIGINT: the CSV so far, its last row (interrupted), 130; on SIGTERM: 143', async () => {
    for (const [sig, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const child = run(['run', file(LONG), '--csv']);
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      // Signal once the run has begun (its first rows are out).
      await new Promise<void>((r) => child.stdout.on('data', (d) => {
        out += d;
        if (out.split('\n').length > 2) r();
      }));
      child.kill(sig);
      const code = await new Promise((r) => child.on('close', r));
      expect(code).toBe(status);
      expect(out).toMatch(/\n,\(interrupted\),,,\n$/);
      expect(err).toMatch(/interrupted after \d+ records: the output above is partial \(its last row says so\)/);
    }
  });

  test('text: the partial summary says so', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await cli(['run', file(LONG)], ac.signal);
    expect(r.code).toBe(130);
    expect(r.out()).toMatch(/^s\n\nINTERRUPTED: the run stopped early; what follows is what ran until then\n/);
  });

  test('trace record: no file that looks complete, no temporary file left', async () => {
    const dir = dirname(tmp('x'));
    const out = join(dir, 'cut.bin');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    // LONG's 10 M records take ~0.35 s to record on this machine (measured, 5 Dec 2026): too close
    // to the 300 ms abort, so this run records 4× as many (over the 10 M budget: --allow-large).
    const longer = { ...LONG, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', pages: 100000, repeat: 200 } }] }] };
    const r = await cli(['trace', 'record', file(longer), '--allow-large', '-o', out], ac.signal);
    expect(r.code).toBe(130);
    expect(r.err()).toMatch(/^memcg-sim: interrupted after \d+ records: nothing written\n$/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('cut.bin'))).toEqual([]);
  });
});

describe('--json and --csv', () => {
  test('--json is the same bytes for the same inputs; wall-clock time only with --timing', async () => {
    const a = await cli(['run', '--example', 'high-throttle', '--json']);
    const b = await cli(['run', '--example', 'high-throttle', '--json']);
    expect(a.out()).toBe(b.out());
    expect(a.out()).not.toContain('elapsedMs');
    const t = JSON.parse((await cli(['run', '--example', 'quickstart', '--json', '--timing'])).out());
    expect(typeof t.runs[0].elapsedMs).toBe('number');
  });

  test('the streamed JSON and CSV are JSON.stringify(result, null, 2) and toCsv(result) of the whole result', async () => {
    const sc = parseScenario({ ...LONG, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', pages: 3000, repeat: 3 } }] }], sample: { every: 1000, files: ['a/memory.current', 'a/memory.events'] }, variants: { one: {}, two: { profile: 'single' } } });
    const whole = await runScenario(sc, { build });
    let json = '';
    let csv = '';
    const jw = new JsonResultWriter((s) => (json += s));
    const cw = new CsvSampleWriter((s) => (csv += s));
    jw.start({ scenario: sc.name, description: sc.description, notes: sc.notes, pageSize: PAGE_SIZE });
    const streamed = await runScenario(sc, {
      build, onRunStart: (h) => jw.runStart(h), onSample: (v, s) => (jw.sample(s), cw.sample(v, s)), onRunEnd: (r) => jw.runEnd(r),
    });
    jw.end(streamed);
    cw.end(false);
    expect(streamed.runs.every((r) => r.samples.length === 0)).toBe(true); // nothing kept
    expect(json).toBe(`${JSON.stringify(whole, null, 2)}\n`);
    expect(csv).toBe(toCsv(whole));
  });

  test('the same bytes for the same inputs on the commands of #11 and #14: live --replay --json, --html, --trace-events, report, sweep', async () => {
    const { readFileSync } = await import('node:fs');
    const M = join(root, 'test', 'live', 'measurements', 'rmdir-cache.json');
    const twice = async (args: (i: number) => string[], files: (i: number) => string[] = () => []) => {
      const r = [0, 1].map(async (i) => {
        const c = await cli(args(i));
        expect(c.code, c.err()).toBeLessThan(2);
        // stdout names the files written (and a sweep its wall-clock time): the rest is compared as is.
        const out = files(i).reduce((o, f) => o.replaceAll(f, 'FILE').replaceAll(f.replace(/\.jsonl$/, '.csv'), 'CSV'), c.out()).replace(/in [\d.]+ s/, 'in … s');
        return [out, ...files(i).map((f) => readFileSync(f, 'utf8'))];
      });
      const [a, b] = await Promise.all(r);
      expect(a).toEqual(b);
    };
    await twice(() => ['live', '--replay', M, '--json']);
    const html = [tmp('a.html'), tmp('b.html')];
    const ev = [tmp('a.json'), tmp('b.json')];
    await twice((i) => ['run', '--example', 'container-oom', '--json', '--html', html[i], '--trace-events', ev[i]], (i) => [html[i], ev[i]]);
    const res = tmp('run.json');
    writeFileSync(res, (await cli(['run', '--example', 'quickstart', '--json'])).out());
    const rep = [tmp('r1.html'), tmp('r2.html')];
    await twice((i) => ['report', res, '-o', rep[i]], (i) => [rep[i]]);
    const sw = file({ base: { example: 'quickstart' }, axes: { seed: [1, 2] }, metrics: ['ok', 'sim.charges'] });
    const out = [tmp('s1.jsonl'), tmp('s2.jsonl')];
    await twice((i) => ['sweep', sw, '-o', out[i], '--jobs', '1'], (i) => [out[i]]);
  });

  test('--csv without sampling says what it holds', async () => {
    const r = await cli(['run', '--example', 'quickstart', '--csv']);
    expect(r.code).toBe(0);
    expect(r.out()).toBe('variant,phase,ops,ms\n');
    expect(r.err()).toMatch(/note: quickstart has no "sample": the CSV is its header only/);
  });

  test('progress on trace record and trace info (a terminal only)', async () => {
    const t = tmp('p.bin');
    let term = '';
    const io: Io = { out: () => {}, err: () => {}, tty: { write: (s: string) => (term += s) } };
    const mid = { ...LONG, workload: [{ steps: [{ 'grow-then-free': { cgroup: 'a', pages: 100000, repeat: 8 } }] }] };
    // The bar redraws at most every 100 ms: a clock that moves 150 ms a reading makes it draw
    // whatever this machine's speed (the core records these 800 000 records in under 100 ms).
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += 150));
    try {
      expect(await runCli(['trace', 'record', file(mid), '-o', t], io)).toBe(0);
      expect(term).toMatch(/p\.bin \[#*-*\] +\d+% /);
      term = '';
      expect(await runCli(['trace', 'info', t], io)).toBe(0);
      expect(term).toMatch(/\r\x1b\[K$/);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('limits', () => {
  test('a full folio table is the emulator\'s limit, not a kernel errno', async () => {
    const r = await cli(['run', file({ system: { maxFolios: 100 }, cgroups: { a: {} }, workload: [{ steps: [{ charge: { cgroup: 'a', count: 150 } }] }] })]);
    expect(r.code).toBe(0);
    expect(r.out()).toMatch(/ 150 +150 +50 over maxFolios /);
    expect(r.out()).toContain("50 charges failed because the emulator's folio table was full: an emulator limit, not a kernel error (raise system.maxFolios)");
  });

  test('over the budget: refused with the step and --allow-large, which runs it', async () => {
    const big = file({ cgroups: { a: {} }, workload: [{ steps: [{ charge: { cgroup: 'a', count: 17000000, tag: 't' } }, { free: { folios: 't' } }] }] });
    const r = await cli(['validate', big]);
    expect(r.code).toBe(2);
    expect(r.err()).toMatch(/workload\[0\]\.steps\[0\]\.charge: the run replays up to 34\.0 M records \(17\.0 M here\): over the budget of 10\.0 M records per run; .* --allow-large/);
    expect((await cli(['validate', big, '--allow-large'])).code).toBe(0);
  });
});

// HTML reports in a real browser: Debian's chromium driven by playwright-core (no browser
// download). Each page loads from its file with no request but itself and no console error,
// every chart is drawn, the page holds the run's samples and draws every one of them, and a
// screenshot goes to test-output/html-report/ (to look at: axis labels with units, a legend per
// cgroup, readable with 20 cgroups).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { runCli, type Io } from '../src/cli/commands.js';
import { reportHtml } from '../src/report/html.js';
import type { RunResult } from '../src/report/summary.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { exampleScenario } from '../src/scenario/examples.js';
import { runScenario } from '../src/scenario/runner.js';
import { runSweep } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/sweep.js';
import { build, tmp } from './helpers/scenario.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../test-output/html-report/', import.meta.url));
const noBrowser = !existsSync(CHROMIUM);

/** Twenty services under one parent: leaks, limits, swap, a high limit that throttles. */
function twenty() {
  const svc = Array.from({ length: 20 }, (_, i) => `host/svc${String(i).padStart(2, '0')}`);
  return {
    name: 'twenty', description: '20 services under a 160M parent',
    system: { topology: { nodes: 1, cpusPerNode: 4 }, swap: '16M' },
    cgroups: { host: { 'memory.max': '160M' }, ...Object.fromEntries(svc.map((s, i) => [s, i === 0 ? { 'memory.high': '4M' } : i === 19 ? { 'memory.max': '12M' } : {}])) },
    tasks: { t00: { cgroup: svc[0] }, t05: { cgroup: svc[5] }, t19: { cgroup: svc[19] } },
    workload: [{ name: 'fill', steps: [
      { thrash: { cgroups: svc.filter((_, i) => ![0, 5, 19].includes(i)), cpus: '0-3', charges: 3000, pick: 'random' } },
      { faults: { task: 't00', size: '8M', rate: 2 } }, { faults: { task: 't05', size: '16M', rate: 8 } }, { faults: { task: 't19', size: '16M', rate: 4 } },
    ] }],
    sample: { everyMs: 20, files: [] }, // a row every 20 ms of simulated time
  };
}

describe.skipIf(noBrowser)(noBrowser ? `HTML reports (skipped: no ${CHROMIUM}; .ci/run installs Debian's chromium)` : `HTML reports in ${CHROMIUM}`, () => {
  let ctx: BrowserContext;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'memcg-sim-chromium-')), {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => ctx?.close());

  /** Load a report; what the page shows of its charts and data. */
  async function load(html: string, name: string) {
    const file = join(OUT, `${name}.html`);
    writeFileSync(file, html);
    const page = await ctx.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warning' ? problems.push(`console ${m.type()}: ${m.text()}`) : 0));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
    const charts = await page.evaluate(() => [...document.querySelectorAll('figure.chart')].map((f) => ({
      title: f.getAttribute('data-title')!,
      rows: Number(f.getAttribute('data-rows')),
      // Plot's marks: their drawn geometry (paths with data, cells, dots).
      paths: [...f.querySelectorAll('svg g[aria-label="line"] path')].map((p) => p.getAttribute('d') ?? ''),
      marks: f.querySelectorAll('svg g[aria-label="line"] path, svg g[aria-label="cell"] rect, svg g[aria-label="dot"] circle').length,
      yLabel: f.querySelector('svg g[aria-label="y-axis label"]')?.textContent ?? '',
      xLabel: f.querySelector('svg g[aria-label="x-axis label"]')?.textContent ?? '',
      legend: [...f.querySelectorAll('[class$="-swatch"]')].map((s) => s.textContent),
    })));
    // The page's data block as text (a large object is slow to pass back from the page whole).
    const data = JSON.parse(await page.evaluate(() => document.getElementById('memcg-sim-data')!.textContent!));
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    await page.close();
    return { problems, requests, charts, data, file };
  }
  /** The number of points of an SVG path (M, then L per point). */
  const vertices = (d: string) => (d.match(/[ML]/g) ?? []).length;

  test('a run: usage with limits, events, OOM kill; the page holds and draws every sample', async () => {
    const res = await runScenario(exampleScenario('container-oom'), { build, sampleAll: true });
    const page = await load(reportHtml({ kind: 'run', title: res.scenario, result: res }), 'container-oom');
    expect(page.problems).toEqual([]);
    expect(page.requests).toEqual([`file://${page.file}`]);
    expect(page.data.result.runs[0].samples).toEqual(res.runs[0].samples);
    const samples = res.runs[0].samples.length;
    // 28672 records, about 1000 samples (every 29 records), plus the first and last.
    expect(samples).toBe(Math.ceil(28672 / Math.ceil(28672 / 1000)) + 1);
    // memory.events: max, oom and oom_kill happened (the kill of the app); no swap, no throttling.
    expect(page.charts.map((c) => c.title)).toEqual(['memory usage per cgroup', 'memory.events max over time', 'memory.events oom over time', 'memory.events oom_kill over time']);
    for (const c of page.charts) expect(c.marks).toBeGreaterThan(0);
    const usage = page.charts[0];
    expect(usage.yLabel).toBe('↑ memory.current (MiB)');
    expect(usage.xLabel).toBe('records replayed →'); // no simulated time passes in container-oom
    expect(usage.legend).toEqual(['container']);
    // The usage line has a vertex per sample; memory.max (64M, never "max") too; memory.high is "max": no line.
    expect(usage.paths.map(vertices)).toEqual([samples, samples]);
  });

  test('a run with 20 cgroups: a legend entry each, every series drawn', async () => {
    const res = await runScenario(parseScenario(twenty()), { build, sampleAll: true });
    const page = await load(reportHtml({ kind: 'run', title: res.scenario, result: res }), 'twenty-cgroups');
    expect(page.problems).toEqual([]);
    const usage = page.charts.find((c) => c.title === 'memory usage per cgroup')!;
    const cgroups = ['host', ...Array.from({ length: 20 }, (_, i) => `host/svc${String(i).padStart(2, '0')}`)];
    expect(usage.legend).toEqual(cgroups);
    const samples = res.runs[0].samples.length;
    // 21 usage lines, then memory.max of host and svc19, memory.high of svc00: a vertex per sample each.
    expect(usage.paths.map(vertices)).toEqual(new Array(24).fill(samples));
    expect(usage.xLabel).toBe('simulated time (ms) →'); // the faults' rates make time pass
    expect(page.charts.map((c) => c.title)).toContain('swap per cgroup');
    for (const c of page.charts) expect(c.marks).toBeGreaterThan(0);
  });

  test('a sweep: each metric by each axis, and a heatmap over two axes', async () => {
    const sw = parseSweep({
      name: 'oom-grid', base: { example: 'container-oom' },
      axes: { 'cgroups.container.memory.max': ['48M', '64M', '128M'], profile: ['single', 'multi'] },
      metrics: ['cgroups.container.events.oom_kill', 'container/memory.peak', 'sim.stockHits'],
    });
    const out = tmp('s.jsonl');
    const r = await runSweep(sw, { output: out, build, jobs: 2 });
    const io: Io = { out: () => {}, err: () => {} };
    const html = tmp('s.html');
    expect(await runCli(['report', out, '-o', html], io)).toBe(0);
    const page = await load(readFileSync(html, 'utf8'), 'sweep');
    expect(page.problems).toEqual([]);
    expect(page.data.rows).toEqual(r.lines);
    // 3 metrics vary (no kill at 128M; the peak follows the limit; stock hits with the usage) × (2 axes + 1 heatmap).
    expect(page.charts.map((c) => c.title)).toEqual(['cgroups.container.events.oom_kill', 'container/memory.peak', 'sim.stockHits'].flatMap((m) => [
      `${m} by cgroups.container.memory.max`, `${m} by profile`, `${m}: cgroups.container.memory.max × profile`,
    ]));
    for (const c of page.charts) expect(c.marks).toBeGreaterThan(0);
    const heat = page.charts.filter((c) => c.title.includes('×'));
    expect(heat.map((c) => c.rows)).toEqual([6, 6, 6]);
    expect(page.charts[3].yLabel).toBe('↑ container/memory.peak (MiB)');
  });

  test('report of run --json output; a file that is neither is refused', async () => {
    let json = '';
    await runCli(['run', '--example', 'high-throttle', '--json', '--html', tmp('unused.html')], { out: (s) => void (json += s), err: () => {} });
    const f = tmp('r.json');
    writeFileSync(f, json);
    const html = tmp('r.html');
    expect(await runCli(['report', f, '-o', html], { out: () => {}, err: () => {} })).toBe(0);
    const page = await load(readFileSync(html, 'utf8'), 'high-throttle');
    expect(page.problems).toEqual([]);
    expect(page.data.result).toEqual(JSON.parse(json) as RunResult);
    expect(page.charts.filter((c) => c.title === 'memory.high throttling per task').map((c) => c.yLabel)).toEqual(['↑ time throttled (ms, cumulative)']);
    const c = tmp('other.json');
    writeFileSync(c, JSON.stringify({ profiles: [] }));
    let err = '';
    expect(await runCli(['report', c, '-o', tmp('c.html')], { out: () => {}, err: (s) => void (err += s) })).toBe(2);
    expect(err).toMatch(/not a run result \(run --json\), a compare result \(compare --json\) or sweep output/);
  });

  // compare --html, and report of compare --json: a bar chart per metric, a bar per column.
  test('a compare result: bars per profile', async () => {
    const sc = fileURLToPath(new URL('../examples/multi-memcg-netperf-6.json', import.meta.url));
    let json = '';
    const html = tmp('cmp.html');
    expect(await runCli(['compare', sc, '--profiles', '6.12,6.18', '--json', '--html', html], { out: (s) => void (json += s), err: () => {} })).toBe(0);
    const page = await load(readFileSync(html, 'utf8'), 'compare');
    expect(page.problems).toEqual([]);
    expect(page.requests).toEqual([`file://${page.file}`]);
    expect(page.data.result).toEqual(JSON.parse(json));
    const titles = page.charts.map((c) => c.title);
    expect(titles).toContain('modelled throughput (ops/s)');
    expect(titles).toContain('LOCKed atomics / charge');
    expect(page.charts.every((c) => c.rows === 2)).toBe(true); // one bar per column
    const f = tmp('cmp.json');
    writeFileSync(f, json);
    const again = tmp('cmp2.html');
    expect(await runCli(['report', f, '-o', again], { out: () => {}, err: () => {} })).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(html, 'utf8'));
  });
});

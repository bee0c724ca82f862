// HTML reports: one self-contained file (no network when viewed) holding the data as JSON, the
// charting library (Observable Plot on d3, both inlined) and the page script
// (assets/report.js) that draws the charts. A report takes its data as plain JSON — a run
// result (`run --json`) or a sweep's lines — never the runner.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError, MemcgError } from '../core/errors.js';
import { obj, oneOf, show, str } from '../api/check.js';
import type { RunResult } from './summary.js';

/** One point of a sweep as its output line holds it (sweep/point.ts writes them). */
export type SweepRow = {
  point: number; of: number; coords: Record<string, unknown>; seed: number;
  ok?: boolean; metrics?: Record<string, number | string | boolean | null>; error?: string;
};

export type ReportData =
  | { kind: 'run'; title: string; result: RunResult }
  | { kind: 'sweep'; title: string; description: string; axes: { key: string; values: unknown[] }[]; rows: SweepRow[] };

/** A file of an installed package or of this package, found by walking up from this module. */
function findUp(rel: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, rel), join(dir, 'node_modules', rel)]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) throw new InternalError(`${rel} not found (is the package installed?)`);
  }
}

let assets: { d3: string; plot: string; page: string } | undefined;
function loadAssets(): { d3: string; plot: string; page: string } {
  assets ??= {
    d3: readFileSync(findUp('d3/dist/d3.min.js'), 'utf8'),
    plot: readFileSync(findUp('@observablehq/plot/dist/plot.umd.min.js'), 'utf8'),
    page: readFileSync(findUp('assets/report.js'), 'utf8'),
  };
  return assets;
}

/** Text safe inside a <script> element. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em 2em; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin: 0 0 .3em; } h2 { font-size: 1.2em; margin: 1.6em 0 .4em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1em; margin: 1em 0 .2em; }
p.desc { max-width: 60em; color: #444; } p.sys { color: #555; font-family: ui-monospace, monospace; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5em 2.5em; }
figure.chart { margin: 0; width: 640px; } figure.chart figure { margin: 0; } .note { color: #555; font-size: .9em; max-width: 640px; } figure.chart figcaption { font-weight: 600; margin-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0; font-variant-numeric: tabular-nums; }
th, td { padding: .15em .6em; border-bottom: 1px solid #eee; text-align: right; } th:first-child, td:first-child { text-align: left; }
.bad { color: #b00; font-weight: 600; } .ok { color: #070; }
#filter { margin: .5em 0; padding: .2em .4em; width: 24em; }
`;

/** The shape the page script reads (assets/report.js), else a typed EINVAL. */
function checkData(data: unknown): void {
  const d = obj('report data', data);
  const kind = oneOf('report data kind', d.kind, ['run', 'sweep']);
  str('report title', d.title);
  const list = (what: string, v: unknown) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) throw new MemcgError('EINVAL', `${what} must be a list of objects, not ${show(v)}`);
  };
  if (kind === 'run') list('report result.runs', obj('report result', d.result).runs);
  else {
    list('report rows', d.rows);
    list('report axes', d.axes);
    (d.axes as Record<string, unknown>[]).forEach((a, i) => {
      str(`axis ${i} key`, a.key);
      if (!Array.isArray(a.values)) throw new MemcgError('EINVAL', `axis ${i} values must be a list, not ${show(a.values)}`);
    });
  }
}

/** The report page of run or sweep data. */
export function reportHtml(data: ReportData): string {
  checkData(data);
  let text: string;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    throw new MemcgError('EINVAL', `report data is not JSON data: ${(e as Error).message.slice(0, 80)}`);
  }
  const a = loadAssets();
  const json = text.replace(/</g, '\\u003c');
  const title = data.title.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="memcg-sim">
<title>${title} — memcg-sim report</title><style>${STYLE}</style></head>
<body><main id="report"></main>
<script type="application/json" id="memcg-sim-data">${json}</script>
<script>${scriptText(a.d3)}</script>
<script>${scriptText(a.plot)}</script>
<script>${scriptText(a.page)}</script>
</body></html>
`;
}

// A sweep's output: JSON Lines (one line per point, appended as points finish, sorted by point
// when the sweep or a merge completes) and a CSV beside it. Sorted output depends only on the
// points, so a sweep run with any number of workers, resumed after an interruption, or run in
// shards and merged, writes the same bytes.

import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError, type Issue } from '../scenario/validate.js';
import { lineText, type PointLine } from './point.js';
import { canonical, type Point } from './sweep.js';

/** out.jsonl → out.csv (any other name: name.csv). */
export function csvPath(jsonl: string): string {
  return jsonl.replace(/\.jsonl$/, '') + '.csv';
}

/** The output of shard i of n: out.jsonl → out-2-of-4.jsonl. */
export function shardPath(jsonl: string, i: number, n: number): string {
  const m = /^(.*?)(\.jsonl)?$/.exec(jsonl)!;
  return `${m[1]}-${i}-of-${n}${m[2] ?? ''}`;
}

/** Read the lines of a sweep output; a last line cut short (an interrupted write) is dropped. */
export function readLines(file: string): PointLine[] {
  const text = readFileSync(file, 'utf8');
  // The part after the last newline is empty, or a line whose write was cut short.
  const complete = text.split('\n').slice(0, -1);
  const issues: Issue[] = [];
  const out: PointLine[] = [];
  complete.forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      const v = JSON.parse(l) as PointLine;
      if (!Number.isInteger(v.point) || !Number.isInteger(v.of) || typeof v.coords !== 'object') throw new Error('not a sweep point line (point, of, coords)');
      out.push(v);
    } catch (e) {
      issues.push({ path: `line ${i + 1}`, message: (e as Error).message });
    }
  });
  if (issues.length) throw new InputError(file, issues);
  return out;
}

/** Appends lines as points finish. */
export class LineWriter {
  constructor(readonly file: string) {}
  append(l: PointLine): void {
    appendFileSync(this.file, `${lineText(l)}\n`);
  }
}

/**
 * The points of this sweep already in an output file (--resume): checked to be this sweep's
 * (same point count and coordinates). The file is rewritten without a partial last line.
 */
export function resumeFrom(file: string, points: Point[], total: number): PointLine[] {
  if (!existsSync(file)) return [];
  const lines = readLines(file);
  const byIndex = new Map(points.map((p) => [p.index, p]));
  const issues: Issue[] = [];
  lines.forEach((l, i) => {
    const p = byIndex.get(l.point);
    if (l.of !== total) issues.push({ path: `line ${i + 1}`, message: `from a sweep of ${l.of} points; this one has ${total}` });
    else if (!p) issues.push({ path: `line ${i + 1}`, message: `point ${l.point} is not one this run makes (another shard?)` });
    else if (canonical(p.coords) !== canonical(l.coords)) {
      issues.push({ path: `line ${i + 1}`, message: `point ${l.point} is ${canonical(l.coords)} there, ${canonical(p.coords)} in this sweep` });
    }
  });
  if (issues.length) throw new InputError(`${file} (--resume)`, issues);
  writeFileSync(file, lines.map((l) => `${lineText(l)}\n`).join(''));
  return lines;
}

/** Sort lines by point, one per point (a point twice must be the same line twice). */
export function sortLines(lines: PointLine[], what: string): PointLine[] {
  const by = new Map<number, PointLine>();
  const issues: Issue[] = [];
  for (const l of lines) {
    const had = by.get(l.point);
    if (had && lineText(had) !== lineText(l)) issues.push({ path: `point ${l.point}`, message: 'two different results for the same point' });
    by.set(l.point, l);
  }
  if (issues.length) throw new InputError(what, issues);
  return [...by.values()].sort((a, b) => a.point - b.point);
}

/** Point indices missing from sorted lines of a sweep of `of` points. */
export function missing(lines: PointLine[], of: number): number[] {
  const have = new Set(lines.map((l) => l.point));
  return Array.from({ length: of }, (_, i) => i).filter((i) => !have.has(i));
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? canonical(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The CSV of sorted lines: point, each coordinate, seed, ok, error, then each metric (in order of first appearance). */
export function toSweepCsv(lines: PointLine[]): string {
  const coords: string[] = [];
  const metrics: string[] = [];
  for (const l of lines) {
    for (const k of Object.keys(l.coords)) if (!coords.includes(k)) coords.push(k);
    for (const k of Object.keys(l.metrics ?? {})) if (!metrics.includes(k)) metrics.push(k);
  }
  const rows = lines.map((l) => [l.point, ...coords.map((k) => l.coords[k]), l.seed, l.ok, l.error, ...metrics.map((k) => l.metrics?.[k])]);
  return [['point', ...coords, 'seed', 'ok', 'error', ...metrics], ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** Write sorted lines (and the CSV beside them) atomically. */
export function writeSorted(file: string, lines: PointLine[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.map((l) => `${lineText(l)}\n`).join(''));
  renameSync(tmp, file);
  const csv = csvPath(file);
  writeFileSync(`${csv}.tmp-${process.pid}`, toSweepCsv(lines));
  renameSync(`${csv}.tmp-${process.pid}`, csv);
}

// Sweep files: a base scenario and the points to run it at.
//
//   { "name"?, "description"?,
//     "base": <scenario object> | "path/to/scenario.json" | { "example": "container-oom" },
//     "axes"?: { "<key>": [values…], … },     the cartesian product, first key slowest
//     "points"?: [ { "<key>": value, … }, … ], explicit points, after the product
//     "exclude"?: [ { "<key>": value, … }, … ], drop the points that match one (all its keys)
//     "metrics"?: [ "<metric>", … ],           what each point reports (metrics.ts); default: all
//     "seed"?: N }                             the sweep seed (default: the base's system.seed)
//
// A key is a --set key (set.ts), or "variant" (run that variant of the base). A base with
// variants and no variant key gets a last axis "variant" over them. A point's system seed is
// its own "seed" coordinate when it has one, else drawn from the sweep seed and its
// coordinates, so a point runs the same wherever and whenever it runs.

import { dirname, resolve } from 'node:path';
import { EXAMPLES } from '../scenario/examples.js';
import { parseScenario, readJsonDoc, scenarioName, type Scenario } from '../scenario/scenario.js';
import { applySets, checkPairs } from '../scenario/set.js';
import { cut, fromZod, InputError, inDocumentOrder, messageOf, pathText, type Issue, type RawIssue } from '../scenario/validate.js';
import { checkMetrics } from './metrics.js';
import { SWEEP_SCHEMA } from './schema.js';
import { MemcgError } from '../core/errors.js';
import { bool, int, keys, obj, show, str } from '../api/check.js';

export type Coords = Record<string, unknown>;
export type Point = { index: number; coords: Coords; seed: number };

export type Sweep = {
  name: string;
  description: string;
  /** The base scenario document (--set values applied). */
  base: unknown;
  baseName: string;
  axes: { key: string; values: unknown[] }[];
  points: Point[];
  metrics?: string[];
  seed: number;
  /** Points may run beyond the scenario budget (--allow-large). */
  allowLarge?: boolean;
};

/** Points of one sweep: each is a scenario run and a line of output. */
export const MAX_POINTS = 1_000_000;

/** FNV-1a of text, 32 bits: a point's seed from the sweep seed and its coordinates. */
export function pointSeed(sweepSeed: number, coords: Coords): number {
  let h = 0x811c9dc5;
  for (const ch of `${sweepSeed}:${canonical(coords)}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** JSON with object keys sorted: equal coordinates, equal text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The scenario document of a point: the base with the point's values and its seed set. */
export function pointDoc(sw: Pick<Sweep, 'base'>, p: Point): unknown {
  checkPoint(p);
  const sets = Object.entries(p.coords).filter(([k]) => k !== 'variant' && k !== 'seed');
  return applySets(sw.base, [...sets, ['system.seed', p.seed]], `point ${p.index}`);
}

/** A point as parseSweep makes them: an index, coordinates, a u32 seed; else a typed EINVAL. */
function checkPoint(p: unknown): asserts p is Point {
  const o = obj('a point', p);
  keys('a point', o, ['index', 'coords', 'seed']);
  int('point index', o.index, 0, MAX_POINTS - 1);
  obj('point coords', o.coords);
  int('point seed', o.seed, 0, 0xffffffff);
}

/** The scenario of a point, checked (with the sweep's allowLarge). */
export function pointScenario(sw: Pick<Sweep, 'base' | 'baseName' | 'allowLarge'>, p: Point): Scenario {
  return parseScenario(pointDoc(sw, p), sw.baseName, `point ${p.index} ${canonical(p.coords)}`, { allowLarge: sw.allowLarge === true });
}

/** Read a sweep file, apply --set values to its base, expand and check every point. */
export function loadSweep(file: string, sets: [string, unknown][] = [], opts: Pick<SweepParseOptions, 'allowLarge'> = {}): Sweep {
  str('a sweep file', file);
  keys('loadSweep options', obj('loadSweep options', opts), ['allowLarge']);
  const { json, duplicates } = readJsonDoc(file);
  return parseSweep(json, { dir: dirname(file), name: scenarioName(file), sets, what: file, duplicates, ...opts });
}

export type SweepParseOptions = {
  /** Where a base given as a file name is found (the sweep file's directory). */
  dir?: string;
  /** The sweep's name when it has none (the file's). */
  name?: string;
  /** --set values, applied to the base before the points. */
  sets?: [string, unknown][];
  what?: string;
  /** Issues found in the text before parsing (duplicate keys). */
  duplicates?: RawIssue[];
  /** Run points beyond the scenario budget (budget.ts): --allow-large. */
  allowLarge?: boolean;
};

export function parseSweep(json: unknown, opts: SweepParseOptions = {}): Sweep {
  const o = obj('parseSweep options', opts, true);
  keys('parseSweep options', o, ['dir', 'name', 'sets', 'what', 'duplicates', 'allowLarge']);
  for (const k of ['dir', 'name', 'what'] as const) if (o[k] !== undefined) str(`option ${k}`, o[k]);
  if (o.allowLarge !== undefined) bool('option allowLarge', o.allowLarge);
  if (o.duplicates !== undefined && !Array.isArray(o.duplicates)) throw new MemcgError('EINVAL', `option duplicates must be a list of issues, not ${show(o.duplicates)}`);
  // The pairs' shape (a typed EINVAL) now; their keys are resolved in the base once it is loaded (a path, an example).
  if (o.sets !== undefined) checkPairs(o.sets);
  const what = opts.what ?? 'sweep';
  const issues: RawIssue[] = [...(opts.duplicates ?? [])];
  const parsed = SWEEP_SCHEMA.safeParse(json, { error: messageOf, reportInput: true });
  if (!parsed.success) issues.push(...fromZod(parsed.error.issues, json));
  if (!parsed.success || issues.length) throw new InputError(what, inDocumentOrder(json, issues));
  const top = parsed.data;
  const name = top.name ?? opts.name ?? 'sweep';
  const description = top.description ?? '';
  let base: unknown;
  let baseName = name;
  const b = top.base;
  if (typeof b === 'string') {
    const f = resolve(opts.dir ?? '.', b);
    try {
      const doc = readJsonDoc(f);
      base = doc.json;
      for (const d of doc.duplicates) issues.push({ path: ['base'], message: `${f}: ${pathText(d.path)}: ${d.message}` });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push({ path: ['base'], message: `${f}: ${e.issues[0].message}` });
    }
    baseName = scenarioName(f);
  } else if (Object.keys(b).length === 1 && 'example' in b && typeof b.example === 'string') {
    const ex = EXAMPLES.find((e) => e.name === b.example);
    if (!ex) issues.push({ path: ['base', 'example'], message: `no example ${JSON.stringify(cut(b.example as string))} (known: ${EXAMPLES.map((e) => e.name).join(', ')})` });
    else [base, baseName] = [ex.scenario, ex.name];
  } else base = b;
  if (base !== undefined && opts.sets?.length) {
    try {
      base = applySets(base, opts.sets);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues.map((i) => ({ path: [], text: `--set ${i.path}`, message: i.message })));
    }
  }
  if (issues.length) throw new InputError(what, inDocumentOrder(json, issues));

  const axes = Object.entries(top.axes ?? {}).map(([key, values]) => ({ key, values }));
  const explicit = top.points ?? [];
  const exclude = top.exclude ?? [];
  const metrics = top.metrics;
  const baseSeed = (base as { system?: { seed?: unknown } } | undefined)?.system?.seed;
  const seed = top.seed ?? (typeof baseSeed === 'number' ? baseSeed : 1);

  // The base's variants are an axis unless the points choose one.
  const variants = Object.keys((base as { variants?: object }).variants ?? {});
  const all = [...axes.map((a) => a.key), ...explicit.flatMap((p) => Object.keys(p))];
  if (variants.length && !all.includes('variant')) axes.push({ key: 'variant', values: variants });

  // A scenario run per point: a sweep's cost is its points times theirs (counted before they are made).
  const count = axes.reduce((n, a) => n * a.values.length, axes.length ? 1 : 0) + explicit.length;
  if (count > MAX_POINTS) throw new InputError(what, [{ path: 'axes', message: `${count} points: more than a sweep's ${MAX_POINTS}` }]);
  let coords: Coords[] = axes.length ? [{}] : [];
  for (const a of axes) coords = coords.flatMap((p) => a.values.map((v) => ({ ...p, [a.key]: v })));
  if (explicit.length) coords = axes.length ? [...coords, ...explicit] : explicit;
  if (!axes.length && !explicit.length) coords = [{}];
  const matches = (p: Coords, e: Record<string, unknown>) => Object.entries(e).every(([k, v]) => canonical(p[k]) === canonical(v));
  coords = coords.filter((p) => !exclude.some((e) => matches(p, e)));
  if (coords.length === 0) throw new InputError(what, [{ path: 'exclude', message: 'every point is excluded' }]);

  const points = coords.map((co, index) => ({ index, coords: co, seed: typeof co.seed === 'number' ? co.seed : pointSeed(seed, co) }));
  const sw: Sweep = { name, description, base, baseName, axes, points, metrics, seed, ...(opts.allowLarge ? { allowLarge: true } : {}) };
  // Every point must be a valid scenario asking for metrics it has: all problems at once.
  const pointIssues: Issue[] = [];
  const seen = new Set<string>();
  for (const p of points) {
    try {
      const sc = pointScenario(sw, p);
      if (typeof p.coords.variant === 'string' && !sc.variants.some((v) => v.name === p.coords.variant)) {
        pointIssues.push({ path: `point ${p.index} variant`, message: `no variant "${String(p.coords.variant)}" in the base (${variants.length ? `known: ${variants.join(', ')}` : 'it has none'})` });
      }
      if (metrics) for (const i of checkMetrics(metrics, sc, 'metrics')) if (!seen.has(i.path + i.message)) (seen.add(i.path + i.message), pointIssues.push(i));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const i of e.issues) {
        const key = `${i.path}: ${i.message}`;
        if (seen.has(key)) continue; // the same mistake at every point: once
        seen.add(key);
        pointIssues.push({ path: `point ${p.index} ${canonical(p.coords)}: ${i.path}`, message: i.message });
      }
    }
  }
  if (pointIssues.length) throw new InputError(what, pointIssues);
  return sw;
}

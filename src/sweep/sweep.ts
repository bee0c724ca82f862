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
import { parseScenario, readJsonFile, scenarioName, type Scenario } from '../scenario/scenario.js';
import { applySets } from '../scenario/set.js';
import { Checker, InputError, jsonPath, type Issue } from '../scenario/validate.js';
import { checkMetrics } from './metrics.js';

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
};

const SWEEP_KEYS = ['name', 'description', 'base', 'axes', 'points', 'exclude', 'metrics', 'seed'] as const;

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
  const sets = Object.entries(p.coords).filter(([k]) => k !== 'variant' && k !== 'seed');
  return applySets(sw.base, [...sets, ['system.seed', p.seed]], `point ${p.index}`);
}

/** The scenario of a point, checked. */
export function pointScenario(sw: Pick<Sweep, 'base' | 'baseName'>, p: Point): Scenario {
  return parseScenario(pointDoc(sw, p), sw.baseName, `point ${p.index} ${canonical(p.coords)}`);
}

/** Read a sweep file, apply --set values to its base, expand and check every point. */
export function loadSweep(file: string, sets: [string, unknown][] = []): Sweep {
  return parseSweep(readJsonFile(file), { dir: dirname(file), name: scenarioName(file), sets, what: file });
}

export function parseSweep(json: unknown, opts: { dir?: string; name?: string; sets?: [string, unknown][]; what?: string } = {}): Sweep {
  const what = opts.what ?? 'sweep';
  const c = new Checker();
  const top = c.object(json, '', SWEEP_KEYS);
  if (!top) throw new InputError(what, c.issues);
  const name = top.str('name') ?? opts.name ?? 'sweep';
  const description = top.str('description') ?? '';
  let base: unknown;
  let baseName = name;
  const b = top.need('base');
  if (typeof b === 'string') {
    const f = resolve(opts.dir ?? '.', b);
    try {
      base = readJsonFile(f);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      c.error('base', `${f}: ${e.issues[0].message}`);
    }
    baseName = scenarioName(f);
  } else if (typeof b === 'object' && b !== null && !Array.isArray(b) && Object.keys(b).length === 1 && 'example' in b) {
    const ex = EXAMPLES.find((e) => e.name === (b as { example: unknown }).example);
    if (!ex) c.error('base.example', `no example ${JSON.stringify((b as { example: unknown }).example)} (known: ${EXAMPLES.map((e) => e.name).join(', ')})`);
    else [base, baseName] = [ex.scenario, ex.name];
  } else if (b !== undefined) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) c.error('base', 'expected a scenario object, a scenario file name or { "example": NAME }');
    else base = b;
  }
  if (base !== undefined && opts.sets?.length) {
    try {
      base = applySets(base, opts.sets);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      c.issues.push(...e.issues.map((i) => ({ path: `--set ${i.path}`, message: i.message })));
    }
  }

  const axes = c.record(top.raw.axes, 'axes').flatMap(([key, v]) => {
    const values = c.array(v, jsonPath('axes', key));
    if (values && values.length === 0) c.error(jsonPath('axes', key), 'an axis needs at least one value');
    return values?.length ? [{ key, values }] : [];
  });
  const pointList = (k: 'points' | 'exclude') => (top.has(k) ? c.array(top.raw[k], k) ?? [] : []).flatMap((p, i) => {
    if (typeof p === 'object' && p !== null && !Array.isArray(p)) return [p as Record<string, unknown>];
    c.error(jsonPath(k, i), 'expected an object of key: value');
    return [];
  });
  const explicit = pointList('points');
  const exclude = pointList('exclude');
  const metrics = top.has('metrics') ? (c.array(top.raw.metrics, 'metrics') ?? []).flatMap((m, i) => {
    const s = c.string(m, jsonPath('metrics', i));
    return s === undefined ? [] : [s];
  }) : undefined;
  const baseSeed = (base as { system?: { seed?: unknown } } | undefined)?.system?.seed;
  const seed = top.int('seed', { min: 0 }, typeof baseSeed === 'number' ? baseSeed : 1) ?? 1;
  if (c.issues.length) throw new InputError(what, c.issues);

  // The base's variants are an axis unless the points choose one.
  const variants = Object.keys((base as { variants?: object }).variants ?? {});
  const all = [...axes.map((a) => a.key), ...explicit.flatMap((p) => Object.keys(p))];
  if (variants.length && !all.includes('variant')) axes.push({ key: 'variant', values: variants });

  let coords: Coords[] = axes.length ? [{}] : [];
  for (const a of axes) coords = coords.flatMap((p) => a.values.map((v) => ({ ...p, [a.key]: v })));
  if (explicit.length) coords = axes.length ? [...coords, ...explicit] : explicit;
  if (!axes.length && !explicit.length) coords = [{}];
  const matches = (p: Coords, e: Record<string, unknown>) => Object.entries(e).every(([k, v]) => canonical(p[k]) === canonical(v));
  coords = coords.filter((p) => !exclude.some((e) => matches(p, e)));
  if (coords.length === 0) throw new InputError(what, [{ path: 'exclude', message: 'every point is excluded' }]);

  const points = coords.map((co, index) => ({ index, coords: co, seed: typeof co.seed === 'number' ? co.seed : pointSeed(seed, co) }));
  const sw: Sweep = { name, description, base, baseName, axes, points, metrics, seed };
  // Every point must be a valid scenario asking for metrics it has: all problems at once.
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const p of points) {
    try {
      const sc = pointScenario(sw, p);
      if (typeof p.coords.variant === 'string' && !sc.variants.some((v) => v.name === p.coords.variant)) {
        issues.push({ path: `point ${p.index} variant`, message: `no variant "${String(p.coords.variant)}" in the base (${variants.length ? `known: ${variants.join(', ')}` : 'it has none'})` });
      }
      if (metrics) for (const i of checkMetrics(metrics, sc, 'metrics')) if (!seen.has(i.path + i.message)) (seen.add(i.path + i.message), issues.push(i));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      for (const i of e.issues) {
        const key = `${i.path}: ${i.message}`;
        if (seen.has(key)) continue; // the same mistake at every point: once
        seen.add(key);
        issues.push({ path: `point ${p.index} ${canonical(p.coords)}: ${i.path}`, message: i.message });
      }
    }
  }
  if (issues.length) throw new InputError(what, issues);
  return sw;
}

// User errors in a JSON document as data (zod-like): every issue names the JSON path and the
// problem, and a document is checked whole, so one run reports every mistake.

import { memparse, PAGE_SIZE } from '../cgroupfs/memparse.js';

export type Issue = { path: string; message: string };

/** A document (scenario, trace, command line) that cannot be used, with every issue found. */
export class InputError extends Error {
  readonly code = 'EINPUT';
  constructor(readonly what: string, readonly issues: Issue[]) {
    super(`${what}: ${issues.length === 1 ? '1 error' : `${issues.length} errors`}\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'InputError';
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The JSON path of key below parent: system.seed, cgroups["a/b"], workload[2]. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** A byte size as a user writes it ("64M", 4096) → pages; must be whole pages. */
export function parseSize(v: unknown): number | string {
  let bytes: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return 'a size is a non-negative integer of bytes or a string like "64M"';
    bytes = BigInt(v);
  } else if (typeof v === 'string') {
    const m = memparse(v.trim());
    if (v.trim() === '' || m.rest !== '') return `invalid size "${v}" (bytes, or a number with K/M/G/T suffix)`;
    bytes = m.bytes;
  } else return 'a size is a number of bytes or a string like "64M"';
  if (bytes % BigInt(PAGE_SIZE) !== 0n) return `${String(v)} is not a whole number of ${PAGE_SIZE}-byte pages`;
  const pages = bytes / BigInt(PAGE_SIZE);
  return pages > BigInt(Number.MAX_SAFE_INTEGER) ? `size ${String(v)} is too large` : Number(pages);
}

/** A CPU list: [0, 2], "0-3,6" (the cpuset list format) or "all"; sorted, unique. */
export function parseCpuList(v: unknown, cpus: number): number[] | string {
  let out: number[] = [];
  if (v === 'all') out = Array.from({ length: cpus }, (_, i) => i);
  else if (Array.isArray(v)) {
    if (!v.every((c) => Number.isInteger(c))) return 'a CPU list holds integers';
    out = v as number[];
  } else if (typeof v === 'string') {
    for (const part of v.split(',')) {
      const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
      if (!m) return `invalid CPU list "${v}" (like "0-3,6")`;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) return `invalid CPU range "${part.trim()}"`;
      for (let c = lo; c <= hi; c++) out.push(c);
    }
  } else return 'a CPU list is an array of CPU numbers, a string like "0-3" or "all"';
  if (out.length === 0) return 'the CPU list is empty';
  const bad = out.find((c) => c < 0 || c >= cpus);
  if (bad !== undefined) return `cpu ${bad} out of range 0..${cpus - 1}`;
  return [...new Set(out)].sort((a, b) => a - b);
}

type IntOpts = { min?: number; max?: number };
type NumOpts = IntOpts & { above?: number };

/** Collects issues while reading an untyped JSON value. */
export class Checker {
  readonly issues: Issue[] = [];

  error(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** An object with only the given keys (unknown keys are issues); undefined if not an object. */
  object(v: unknown, path: string, keys: readonly string[]): Obj | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.error(path, `expected an object, got ${describe(v)}`);
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!keys.includes(k)) this.error(jsonPath(path, k), `unknown key (expected ${keys.length ? `one of: ${keys.join(', ')}` : 'none'})`);
    }
    return new Obj(this, path, rec);
  }

  /** A record with arbitrary keys (cgroups, tasks, variants). */
  record(v: unknown, path: string): [string, unknown][] {
    if (v === undefined) return [];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.error(path, `expected an object, got ${describe(v)}`);
      return [];
    }
    return Object.entries(v);
  }

  array(v: unknown, path: string): unknown[] | undefined {
    return Array.isArray(v) ? v : this.error(path, `expected an array, got ${describe(v)}`);
  }

  string(v: unknown, path: string): string | undefined {
    return typeof v === 'string' ? v : this.error(path, `expected a string, got ${describe(v)}`);
  }

  int(v: unknown, path: string, o: IntOpts = {}): number | undefined {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return this.error(path, `expected an integer, got ${describe(v)}`);
    if (o.min !== undefined && v < o.min) return this.error(path, `${v} is below the minimum ${o.min}`);
    if (o.max !== undefined && v > o.max) return this.error(path, `${v} is above the maximum ${o.max}`);
    return v;
  }

  /** A finite number (ms, a rate). */
  number(v: unknown, path: string, o: NumOpts = {}): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.error(path, `expected a number, got ${describe(v)}`);
    if (o.above !== undefined && !(v > o.above)) return this.error(path, `${v} is not above ${o.above}`);
    if (o.min !== undefined && v < o.min) return this.error(path, `${v} is below the minimum ${o.min}`);
    if (o.max !== undefined && v > o.max) return this.error(path, `${v} is above the maximum ${o.max}`);
    return v;
  }

  /** A value checked by a parser that returns a result or an error message (string). */
  parsed<T>(v: unknown, path: string, parse: (v: unknown) => T | string): T | undefined {
    const r = parse(v);
    return typeof r === 'string' ? this.error(path, r) : r;
  }
}

/** An object being read: getters report issues at the key's path and return undefined. */
export class Obj {
  constructor(readonly c: Checker, readonly path: string, readonly raw: Record<string, unknown>) {}

  at(key: string): string {
    return jsonPath(this.path, key);
  }
  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }
  /** A required key: an issue when it is missing. */
  need(key: string): unknown {
    if (!this.has(key)) this.c.error(this.at(key), 'missing');
    return this.raw[key];
  }
  /** Exactly one of keys is present: which one, or undefined with an issue at this object. */
  oneOf<K extends string>(keys: readonly K[]): K | undefined {
    const present = keys.filter((k) => this.has(k));
    if (present.length === 1) return present[0];
    return this.c.error(this.path, present.length === 0 ? `needs one of: ${keys.join(', ')}` : `${present.join(' and ')} exclude each other`);
  }
  str(key: string, dflt?: string): string | undefined {
    return this.has(key) ? this.c.string(this.raw[key], this.at(key)) : dflt;
  }
  int(key: string, o: IntOpts = {}, dflt?: number): number | undefined {
    return this.has(key) ? this.c.int(this.raw[key], this.at(key), o) : dflt;
  }
  num(key: string, o: NumOpts = {}): number | undefined {
    return this.has(key) ? this.c.number(this.raw[key], this.at(key), o) : undefined;
  }
  bool(key: string, dflt?: boolean): boolean | undefined {
    if (!this.has(key)) return dflt;
    const v = this.raw[key];
    return typeof v === 'boolean' ? v : this.c.error(this.at(key), `expected true or false, got ${describe(v)}`);
  }
  enum<T extends string>(key: string, values: readonly T[], dflt?: T): T | undefined {
    if (!this.has(key)) return dflt;
    const v = this.raw[key];
    return (values as readonly unknown[]).includes(v) ? (v as T) : this.c.error(this.at(key), `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
  }
  size(key: string): number | undefined {
    return this.has(key) ? this.c.parsed(this.raw[key], this.at(key), parseSize) : undefined;
  }
  obj(key: string, keys: readonly string[]): Obj | undefined {
    return this.has(key) ? this.c.object(this.raw[key], this.at(key), keys) : undefined;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

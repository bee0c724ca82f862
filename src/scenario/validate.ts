// User errors in a JSON document as data: every issue names the JSON path and the problem,
// and a document is checked whole, so one run reports every mistake. The structure is
// checked by the zod schema (schema.ts); this file turns zod's issues into these messages,
// finds duplicate keys that JSON.parse would merge, and parses sizes and CPU lists.

import type * as z from 'zod';
import { memparse, PAGE_SIZE } from '../cgroupfs/memparse.js';

export type Issue = { path: string; message: string };
/** A path as keys and indices, before it is written as text. */
export type PathKey = string | number;

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
export function jsonPath(parent: string, key: PathKey): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key) && key.length <= 40) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(cut(key))}]`;
}
/** A path of keys as text. */
export function pathText(keys: readonly PathKey[]): string {
  return keys.reduce<string>((p, k) => jsonPath(p, k), '');
}

/** A long string cut for a message (a 1 MB value gives a short error line). */
export function cut(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

/** A value as a message shows it: short, never a whole object. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(cut(v));
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** An issue with its path as keys (sorted in document order before it is shown). */
export type RawIssue = { path: PathKey[]; message: string; /** the path as text already (ranked as given) */ text?: string };

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', object: 'an object', array: 'an array',
  record: 'an object',
};

/** The message of a zod issue, as this project writes them (the per-parse error map of schema.ts). */
export function messageOf(iss: z.core.$ZodRawIssue): string | undefined {
  const input = iss.input;
  if (input === undefined && (iss.code === 'invalid_union' || iss.code === 'invalid_value')) return 'missing';
  switch (iss.code) {
    case 'invalid_type':
      if (input === undefined) return 'missing';
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${describe(input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `the list is empty`;
      if (iss.origin === 'string') return 'the string is empty';
      return iss.inclusive === false ? `${describe(input)} is not above ${iss.minimum}` : `${describe(input)} is below the minimum ${iss.minimum}`;
    case 'too_big':
      return `${describe(input)} is above the maximum ${iss.maximum}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input)}`;
    case 'unrecognized_keys': {
      const def = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
      const known = Object.keys(def?.shape ?? {});
      return `unknown key (expected ${known.length ? `one of: ${known.join(', ')}` : 'none'})`;
    }
    default:
      return undefined;
  }
}

/**
 * zod's issues as path + message: an unknown key becomes one issue at that key; a failed
 * union of single-key step objects reports the errors of the step its key names (union
 * members are tried in turn, so the other members' complaints say nothing).
 */
export function fromZod(issues: readonly z.core.$ZodIssue[], input: unknown, base: PathKey[] = [], union?: UnionHelp): RawIssue[] {
  const out: RawIssue[] = [];
  for (const iss of issues) {
    const path = [...base, ...(iss.path as PathKey[])];
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push({ path: [...path, k], message: iss.message });
    } else if (iss.code === 'invalid_union' && union) {
      const picked = union(valueAt(input, path), path);
      if (picked && 'index' in picked) out.push(...fromZod(iss.errors[picked.index], input, path, union));
      else if (picked) out.push({ path: [...path, ...picked.at], message: picked.message });
      else out.push({ path, message: iss.message });
    } else out.push({ path, message: iss.message });
  }
  return out;
}

/** For a failed union at a value: the member to report (its index), a message (at a path below), or undefined (the union's own message). */
export type UnionHelp = (value: unknown, path: PathKey[]) => { index: number } | { at: PathKey[]; message: string } | undefined;

/** The value at a path of a JSON document (undefined where there is none). */
export function valueAt(doc: unknown, path: readonly PathKey[]): unknown {
  let v = doc;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

/** Issues in the order their paths appear in the document (keys in insertion order), each path's "missing" alone, no repeats. */
export function inDocumentOrder(doc: unknown, issues: RawIssue[]): Issue[] {
  const rank = (path: PathKey[]): number[] => {
    const r: number[] = [];
    let v = doc;
    for (const k of path) {
      if (Array.isArray(v)) r.push(typeof k === 'number' ? k : v.length);
      else if (typeof v === 'object' && v !== null) {
        const keys = Object.keys(v);
        const i = keys.indexOf(String(k));
        r.push(i < 0 ? keys.length : i);
      } else r.push(0);
      v = typeof v === 'object' && v !== null ? (v as Record<PathKey, unknown>)[k] : undefined;
    }
    return r;
  };
  const ranked = issues.map((iss, i) => ({ iss, i, r: rank(iss.path), text: iss.text ?? pathText(iss.path) }));
  ranked.sort((a, b) => {
    for (let j = 0; j < Math.min(a.r.length, b.r.length); j++) if (a.r[j] !== b.r[j]) return a.r[j] - b.r[j];
    return a.r.length - b.r.length || a.i - b.i;
  });
  const missing = new Set(ranked.filter((x) => x.iss.message.startsWith('missing')).map((x) => x.text));
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const x of ranked) {
    const key = `${x.text}\0${x.iss.message}`;
    if (seen.has(key) || (missing.has(x.text) && !x.iss.message.startsWith('missing'))) continue;
    seen.add(key);
    out.push({ path: x.text, message: x.iss.message });
  }
  return out;
}

/**
 * Duplicate keys of every object of a JSON text (JSON.parse keeps the last one silently):
 * the path of each second occurrence. The text must be valid JSON (parse it first).
 */
export function duplicateKeys(text: string): RawIssue[] {
  const out: RawIssue[] = [];
  type Frame = { keys: Set<string> | null; path: PathKey[]; index: number; key: string | null };
  const stack: Frame[] = [];
  let i = 0;
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  /** The path of the value about to start in the innermost container. */
  const here = (): PathKey[] => {
    const f = stack[stack.length - 1];
    if (!f) return [];
    return [...f.path, f.keys ? f.key! : f.index];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push({ keys: c === '{' ? new Set() : null, path: here(), index: 0, key: null });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const f = stack[stack.length - 1];
      if (f && !f.keys) f.index++;
      i++;
    } else if (c === '"') {
      const f = stack[stack.length - 1];
      const s = str();
      let j = i;
      while (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r') j++;
      if (f?.keys && text[j] === ':') {
        if (f.keys.has(s)) out.push({ path: [...f.path, s], message: `duplicate key ${JSON.stringify(cut(s))}: JSON.parse keeps only the last value; give each key once` });
        f.keys.add(s);
        f.key = s;
        i = j + 1;
      }
    } else i++;
  }
  return out;
}

/** A byte size as a user writes it ("64M", 4096) → pages; must be whole pages. */
export function parseSize(v: number | string): number | string {
  let bytes: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return 'a size is a non-negative integer of bytes or a string like "64M"';
    bytes = BigInt(v);
  } else {
    const t = v.trim();
    const m = memparse(t);
    if (t === '' || m.rest !== '') return `invalid size ${JSON.stringify(cut(v))} (bytes, or a number with K/M/G/T/P/E suffix)`;
    bytes = m.bytes;
  }
  if (bytes % BigInt(PAGE_SIZE) !== 0n) return `${cut(String(v))} is not a whole number of ${PAGE_SIZE}-byte pages`;
  const pages = bytes / BigInt(PAGE_SIZE);
  return pages > BigInt(Number.MAX_SAFE_INTEGER) ? `size ${cut(String(v))} is too large` : Number(pages);
}

/** A CPU list: [0, 2], "0-3,6" (the cpuset list format) or "all"; sorted, unique. */
export function parseCpuList(v: string | number[], cpus: number): number[] | string {
  const out = new Set<number>();
  if (v === 'all') for (let c = 0; c < cpus; c++) out.add(c);
  else if (Array.isArray(v)) v.forEach((c) => out.add(c));
  else {
    for (const part of v.split(',')) {
      const m = /^\s*(\d{1,9})(?:-(\d{1,9}))?\s*$/.exec(part);
      if (!m) return `invalid CPU list ${JSON.stringify(cut(v))} (like "0-3,6")`;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) return `invalid CPU range "${part.trim()}"`;
      // A range beyond the machine is reported, not expanded (a "0-999999999" list).
      if (hi >= cpus) return `cpu ${Math.max(lo, cpus)} out of range 0..${cpus - 1}`;
      for (let c = lo; c <= hi; c++) out.add(c);
    }
  }
  if (out.size === 0) return 'the CPU list is empty';
  const bad = [...out].find((c) => c < 0 || c >= cpus);
  if (bad !== undefined) return `cpu ${bad} out of range 0..${cpus - 1}`;
  return [...out].sort((a, b) => a - b);
}

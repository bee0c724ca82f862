// Overriding one value of a scenario document: `--set key=value` on the command line and the
// axes of a sweep. A key is a JSON path into the document (the paths validation errors print:
// system.seed, cgroups["a/b"]["memory.max"], workload[1].steps[0].faults.rate) with three
// shorthands: a system option alone (profile, seed, topology.cpusPerNode), a cgroup setting
// with its file name unquoted (cgroups.svc/web.memory.max), and a phase by name
// (workload.leak.steps[0].faults.size). The document is changed before it is checked, so a
// value set here is validated like one written in the file.

import { MemcgError } from '../core/errors.js';
import { show, str } from '../api/check.js';
import { InputError, type Issue } from './validate.js';
import { SYSTEM_KEYS } from './schema.js';

type Segment = string | number;

/** A key → its segments, or an error message. */
export function parseKey(key: string): Segment[] | string {
  if (typeof key !== 'string') return `a key is a string, not ${show(key)}`;
  let rest = key.trim();
  if (rest === '') return 'an empty key';
  // cgroups.<cgroup path>.<file>: the cgroup path runs to the first ".memory." / ".cgroup." (names may hold dots).
  const cg = /^cgroups\.(.+?)\.((?:memory|cgroup)\.[^[\]"]+)$/.exec(rest);
  if (cg) return ['cgroups', cg[1], cg[2]];
  const out: Segment[] = [];
  while (rest !== '') {
    let m: RegExpExecArray | null;
    if ((m = /^\[(\d+)\]/.exec(rest))) out.push(Number(m[1]));
    else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) out.push(JSON.parse(m[1]) as string);
    else if ((m = /^\.?([^.[\]"]+)/.exec(rest)) && (out.length > 0 || !rest.startsWith('.'))) out.push(m[1]);
    else return `cannot read the key at "${rest}" (like system.seed, cgroups.db.memory.max, workload[0].steps[1].faults.rate)`;
    rest = rest.slice(m[0].length);
  }
  if (typeof out[0] === 'string' && (SYSTEM_KEYS as readonly string[]).includes(out[0])) out.unshift('system');
  return out;
}

/** A value as typed on the command line: JSON when it parses (3, true, [1,2], "x"), else the text itself (256M, single). */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Set key to value in a copy of doc; an error message for a key that cannot be set. */
export function setIn(doc: unknown, key: string, value: unknown): { doc: unknown } | { error: string } {
  const segs = parseKey(key);
  if (typeof segs === 'string') return { error: segs };
  let root: unknown;
  try {
    root = structuredClone(doc ?? {});
  } catch {
    throw new MemcgError('EINVAL', 'the document is not JSON data (it holds a function or a symbol)');
  }
  let at: unknown = root;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    const last = i === segs.length - 1;
    const where = segs.slice(0, i).map(String).join('.') || 'the document';
    if (Array.isArray(at)) {
      let idx: number;
      if (typeof s === 'number') idx = s;
      else {
        idx = at.findIndex((x) => typeof x === 'object' && x !== null && (x as { name?: unknown }).name === s);
        if (idx < 0) {
          const names = at.map((x) => (x as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string');
          return { error: `${where} has no element named "${s}" (${names.length ? `named: ${names.map((n) => JSON.stringify(n)).join(', ')}` : 'none has a name'})` };
        }
      }
      if (idx >= at.length) return { error: `${where} has ${at.length} elements, no [${idx}]` };
      if (last) at[idx] = value;
      else at = at[idx];
    } else if (typeof at === 'object' && at !== null) {
      if (typeof s === 'number') return { error: `${where} is an object, not a list: no [${s}]` };
      const o = at as Record<string, unknown>;
      if (last) o[s] = value;
      else {
        if (o[s] === undefined) o[s] = {};
        at = o[s];
      }
    } else return { error: `${where} is ${JSON.stringify(at)}, which has no ${typeof s === 'number' ? `[${s}]` : `"${s}"`}` };
  }
  return { doc: root };
}

/** Apply key=value settings in order; InputError lists every one that cannot be set. */
export function applySets(doc: unknown, sets: [string, unknown][], what = '--set'): unknown {
  checkPairs(sets);
  str('what', what);
  const issues: Issue[] = [];
  let out = doc;
  for (const [key, value] of sets) {
    const r = setIn(out, key, value);
    if ('error' in r) issues.push({ path: key, message: r.error });
    else out = r.doc;
  }
  if (issues.length) throw new InputError(what, issues);
  return out;
}

/** Settings are [key, value] pairs (what parseSetArgs returns), else a typed EINVAL. */
export function checkPairs(sets: unknown): asserts sets is [string, unknown][] {
  if (!Array.isArray(sets)) throw new MemcgError('EINVAL', `settings are a list of [key, value] pairs, not ${show(sets)}`);
  sets.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string') throw new MemcgError('EINVAL', `setting ${i} must be a [key, value] pair with a string key, not ${show(p)}`);
  });
}

/** "key=value" command-line arguments → [key, value] pairs. */
export function parseSetArgs(args: string[]): [string, unknown][] {
  if (!Array.isArray(args)) throw new MemcgError('EINVAL', `parseSetArgs takes a list of "key=value" strings, not ${show(args)}`);
  args.forEach((a, i) => str(`argument ${i}`, a));
  const issues: Issue[] = [];
  const out: [string, unknown][] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) issues.push({ path: a, message: 'expected key=value (like --set cgroups.db.memory.max=256M)' });
    else {
      const key = a.slice(0, eq);
      const text = a.slice(eq + 1);
      // A profile is a name even when it looks like a number (6.18).
      const segs = parseKey(key);
      const profile = Array.isArray(segs) && segs.join('.') === 'system.profile';
      out.push([key, profile ? text : parseValue(text)]);
    }
  }
  if (issues.length) throw new InputError('--set', issues);
  return out;
}

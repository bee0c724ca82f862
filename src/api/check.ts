// Checks of API inputs before anything reaches the core: every id, CPU, order, node and count
// is an exact integer in range, every name a string, every option known — or a typed
// MemcgError('EINVAL') naming what is wrong. The core sees only i32/f64, so without these a
// 2**32 would wrap (ToInt32) and a 1.5 would truncate.

import { MemcgError, type Errno } from '../core/errors.js';

/** A value for a message: short, never a whole object or a megabyte string. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** Whether v is an exact integer in lo..hi (int() without the error, for a loop that names the element only on failure). */
export function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** An exact integer in lo..hi (a number, not a string, NaN, ±Infinity or a fraction). */
export function int(what: string, v: unknown, lo: number, hi: number, code: Errno = 'EINVAL'): number {
  if (!isInt(v, lo, hi)) {
    throw new MemcgError(code, `${what} must be an integer in ${lo}..${hi}, not ${show(v)}`);
  }
  return v;
}

/** A string. */
export function str(what: string, v: unknown): string {
  if (typeof v !== 'string') throw new MemcgError('EINVAL', `${what} must be a string, not ${show(v)}`);
  return v;
}

/** A plain object (an options or request argument); undefined gives {} when optional. */
export function obj(what: string, v: unknown, optional = false): Record<string, unknown> {
  if (v === undefined && optional) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MemcgError('EINVAL', `${what} must be an object, not ${show(v)}`);
  return v as Record<string, unknown>;
}

/** Only the keys given (a misspelt option is refused by name, not ignored). */
export function keys(what: string, o: Record<string, unknown>, known: readonly string[]): void {
  // for-in over the own keys is Object.keys without its array (this runs once per replayed op).
  for (const k in o) {
    if (!known.includes(k) && Object.prototype.hasOwnProperty.call(o, k)) {
      throw new MemcgError('EINVAL', `${what}: unknown key ${show(k)} (known: ${known.join(', ')})`);
    }
  }
}

/** One of the values given. */
export function oneOf<T>(what: string, v: unknown, values: readonly T[]): T {
  if (!values.includes(v as T)) throw new MemcgError('EINVAL', `${what} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, not ${show(v)}`);
  return v as T;
}

/** true or false. */
export function bool(what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new MemcgError('EINVAL', `${what} must be true or false, not ${show(v)}`);
  return v;
}

/** PATH_MAX: a path given to mkdir(2) has at most 4095 bytes and its NUL (getname). */
const PATH_MAX = 4096;

/**
 * A cgroup path as a user gives it, checked as the kernel takes a directory name:
 * cgroup_mkdir refuses a newline (EINVAL); the whole path as mkdir(2) would get it
 * ("/sys/fs/cgroup/…") is at most PATH_MAX - 1 bytes (ENAMETOOLONG) — kernfs has no
 * 255-byte NAME_MAX check of its own (measured on 6.18.44: a 4000-byte name is made). A NUL
 * cannot reach the kernel inside a path, "." and ".." would be resolved by the path walk,
 * and names like interface files would hide them: the emulator refuses those (EINVAL).
 */
export function cgroupPath(v: unknown, normalized: string, mount: string): void {
  const path = str('a cgroup path', v);
  for (const name of normalized === '' ? [] : normalized.split('/')) {
    const bad =
      name.includes('\n') ? 'a newline (cgroup_mkdir refuses it)'
        : name.includes('\0') ? 'a NUL byte'
          : name === '.' || name === '..' ? `"${name}" (give the path without . or ..)`
            : name.startsWith('memory.') || name.startsWith('cgroup.') ? 'the prefix of an interface file'
              : '';
    if (bad) throw new MemcgError('EINVAL', `invalid cgroup name ${show(name)}: ${bad}`);
  }
  const bytes = utf8Length(`${mount}/${normalized}`);
  if (bytes >= PATH_MAX) throw new MemcgError('ENAMETOOLONG', `cgroup path of ${bytes} bytes: mkdir(2) takes at most ${PATH_MAX - 1}`);
}

/**
 * The UTF-8 length of s as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes),
 * counted without allocating (an allocation is slow next to a new system's wasm memory).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair
      i++;
    } else n += 3;
  }
  return n;
}

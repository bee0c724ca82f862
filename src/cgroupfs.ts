// The cgroupfs view: interface-file names per cgroup version and what writing them does.
// Only the host's string ↔ number conversion lives here; the semantics are the core's.

import { MemcgError } from './errors.js';
import { pageCounterMemparse } from './memparse.js';

export type CgroupVersion = 1 | 2;

/** A writable limit file: which core setting it is and the token that means "no limit". */
export type LimitFile = {
  limit: 'LIMIT_MAX' | 'LIMIT_HIGH' | 'LIMIT_LOW' | 'LIMIT_MIN';
  counter: 'PC_MEMORY' | 'PC_SWAP';
  maxToken: string;
};

const V2_LIMITS: Record<string, LimitFile> = {
  'memory.max': { limit: 'LIMIT_MAX', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.high': { limit: 'LIMIT_HIGH', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.low': { limit: 'LIMIT_LOW', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.min': { limit: 'LIMIT_MIN', counter: 'PC_MEMORY', maxToken: 'max' },
  'memory.swap.max': { limit: 'LIMIT_MAX', counter: 'PC_SWAP', maxToken: 'max' },
  'memory.swap.high': { limit: 'LIMIT_HIGH', counter: 'PC_SWAP', maxToken: 'max' },
};

const V1_LIMITS: Record<string, LimitFile> = {
  'memory.limit_in_bytes': { limit: 'LIMIT_MAX', counter: 'PC_MEMORY', maxToken: '-1' },
  'memory.memsw.limit_in_bytes': { limit: 'LIMIT_MAX', counter: 'PC_SWAP', maxToken: '-1' },
};

/** The limit file of this name in this version, or undefined. */
export function limitFile(version: CgroupVersion, name: string): LimitFile | undefined {
  return (version === 2 ? V2_LIMITS : V1_LIMITS)[name];
}

/** The file names a settings object may use in this version. */
export function limitFileNames(version: CgroupVersion): string[] {
  return Object.keys(version === 2 ? V2_LIMITS : V1_LIMITS);
}

/** A value as a user writes it ('100M', 'max', 4096, '-1') → pages; EINVAL with the input. */
export function parseLimit(version: CgroupVersion, file: string, value: string | number): number {
  const f = limitFile(version, file);
  if (!f) throw new MemcgError('ENOENT', `no file ${file} in cgroup v${version}`, { file });
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) && value >= 0 ? String(value) : 'x') : value;
  const pages = pageCounterMemparse(text, f.maxToken);
  if (pages === null) throw new MemcgError('EINVAL', `invalid value for ${file}: "${value}"`, { file, input: String(value) });
  return pages;
}


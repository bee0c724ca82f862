// Saved kernel measurements (--save / --replay): the scenario document as it was run, the
// machine it ran on, and each kernel run's readings, so the comparison can be made again later
// on any machine, without a kernel.

import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../scenario/validate.js';
import type { MachineInfo } from './machine.js';
import type { SideRun, StatMode } from './values.js';

export const MEASUREMENT_FORMAT = 'memcg-sim live measurement';
export const MEASUREMENT_VERSION = 1;

export type Measurement = {
  format: typeof MEASUREMENT_FORMAT;
  version: number;
  scenario: { name: string; document: unknown };
  machine: MachineInfo;
  /** Where memory.stat / numa_stat were read. */
  stat: StatMode;
  takenAt: string;
  runs: SideRun[];
};

/** Saved as indented JSON with every list of numbers or strings on one line (the usage series are long). */
export function saveMeasurement(file: string, m: Measurement): void {
  const text = JSON.stringify(m, null, 1).replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, (_, items: string) => `[${items.replace(/,\n\s*/g, ', ')}]`);
  writeFileSync(file, `${text}\n`);
}

export function loadMeasurement(file: string): Measurement {
  let m: Partial<Measurement>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).syscall) throw e;
    throw new InputError(file, [{ path: '(file)', message: (e as Error).message }]);
  }
  const bad = (path: string, message: string) => new InputError(file, [{ path, message }]);
  if (m?.format !== MEASUREMENT_FORMAT) throw bad('format', `not a ${MEASUREMENT_FORMAT} (format is ${JSON.stringify(m?.format)})`);
  if (m.version !== MEASUREMENT_VERSION) throw bad('version', `version ${String(m.version)} is not ${MEASUREMENT_VERSION}`);
  if (!m.scenario || typeof m.scenario.name !== 'string') throw bad('scenario', 'missing');
  if (!m.machine || (m.machine.cgroupVersion !== 1 && m.machine.cgroupVersion !== 2)) throw bad('machine', 'missing or without a cgroup version');
  if (!Array.isArray(m.runs) || m.runs.length === 0) throw bad('runs', 'no kernel run');
  return m as Measurement;
}

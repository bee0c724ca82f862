// What the benches share about the machine and their samples: /proc/stat's CPU ticks and the median.
import { readFileSync } from 'node:fs';

/** /proc/stat's all-CPU line in ticks; steal: time the hypervisor ran someone else (8th field, 0 if absent). */
export function procStat(): { busy: number; total: number; steal: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    // guest and guest_nice (fields 9, 10) are already counted in user and nice
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total, steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/** The median (of an even count, the mean of the middle two). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// memcg-sim live: the command line of src/live (its options and usage are in commands.ts's tables).

import { formatLive } from '../live/format.js';
import { loadKnown, runLive } from '../live/live.js';
import type { Io } from './commands.js';
import type { StatMode } from '../live/values.js';

export class LiveUsageError extends Error {}

type LiveFlags = {
  json?: boolean; 'cgroup-root'?: string; repeat?: string; save?: string; replay?: string; known?: string; profile?: string;
  'kernel-only'?: boolean; stat?: string; all?: boolean; prefix?: string; 'data-dir'?: string; verbose?: boolean;
};

function statMode(s: string | undefined): StatMode {
  if (s === undefined) return 'last';
  if (s === 'all' || s === 'last' || s === 'none') return s;
  throw new LiveUsageError(`--stat takes last, all or none, not "${s}"`);
}

/** memcg-sim live …: exit 0 when every compared value agrees (known differences and noise aside), 1 when some differ. */
export async function liveCommand(flags: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const o = flags as LiveFlags;
  if (positionals.length > 1) throw new LiveUsageError('live takes one scenario file');
  if (o.replay && positionals.length) throw new LiveUsageError('give a scenario file or --replay, not both');
  if (o.replay && (o.save || o['cgroup-root'] || o.repeat)) throw new LiveUsageError('--replay runs no kernel: --save, --cgroup-root and --repeat do not apply');
  const repeat = o.repeat === undefined ? 1 : Number(o.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) throw new LiveUsageError(`--repeat takes a number of runs 1..100, not "${o.repeat}"`);
  const res = await runLive(positionals[0], {
    cgroupRoot: o['cgroup-root'], repeat, save: o.save, replay: o.replay, known: o.known ? loadKnown(o.known) : undefined,
    profile: o.profile, kernelOnly: o['kernel-only'], stat: statMode(o.stat), prefix: o.prefix, dataDir: o['data-dir'],
    log: o.verbose ? (s) => io.err(`live: ${s}`) : undefined,
  });
  io.out(o.json ? JSON.stringify(res, null, 2) : formatLive(res, { all: o.all }));
  if (o.save) io.err(`memcg-sim: kernel measurements saved to ${o.save}`);
  return res.comparison && res.comparison.summary.unexplained > 0 ? 1 : 0;
}

// memcg-sim live: the command line of src/live.

import { parseArgs } from 'node:util';
import { formatLive } from '../live/format.js';
import { loadKnown, runLive } from '../live/live.js';
import type { Io } from './commands.js';
import type { StatMode } from '../live/values.js';

export const LIVE_USAGE = `  live SCENARIO.json [--cgroup-root PATH] [--repeat N] [--save M.json] [--known K.json] [--json]
                                        run a scenario on this machine's kernel (as root, in child
                                        cgroups it removes afterwards) and on the emulator, and
                                        print the values that differ (docs/live.md)
      --replay M.json                   compare saved kernel measurements again, without a kernel
      --profile NAME                    emulator profile (default: the one for uname -r)
      --kernel-only                     run only the kernel side (tmpfs, mlock: not emulated yet)
      --stat last|all|none              where memory.stat is compared (each read waits for the 2 s
                                        periodic flush): the last checkpoint (default), every one, none
      --all                             print the agreeing values too
      --prefix P, --data-dir DIR        case cgroup names P<pid>-<n> (default msim-); page cache files in DIR`;

const OPTIONS = {
  json: { type: 'boolean' },
  'cgroup-root': { type: 'string' },
  repeat: { type: 'string' },
  save: { type: 'string' },
  replay: { type: 'string' },
  known: { type: 'string' },
  profile: { type: 'string' },
  'kernel-only': { type: 'boolean' },
  stat: { type: 'string' },
  all: { type: 'boolean' },
  prefix: { type: 'string' },
  'data-dir': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class LiveUsageError extends Error {}

function statMode(s: string | undefined): StatMode {
  if (s === undefined) return 'last';
  if (s === 'all' || s === 'last' || s === 'none') return s;
  throw new LiveUsageError(`--stat takes last, all or none, not "${s}"`);
}

/** memcg-sim live …: exit 0 when every compared value agrees (known differences and noise aside), 1 when some differ. */
export async function liveCommand(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (o.help) {
    io.out(`usage: memcg-sim live SCENARIO.json [options] | --replay M.json [options]\n\n${LIVE_USAGE}`);
    return 0;
  }
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

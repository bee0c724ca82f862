// Which shard of a sweep this process runs: --shard i/n, or the array-job variables a batch
// engine sets (Kubernetes Indexed Jobs, Slurm job arrays, AWS Batch array jobs). Shard i of n
// runs the points whose index is i modulo n.

export type Shard = { index: number; count: number; from: string };

type Env = Record<string, string | undefined>;

function int(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

/** The shard to run, undefined for all points; a string is the reason the arguments are wrong. */
export function shardOf(arg: string | undefined, shards: string | undefined, env: Env = process.env): Shard | undefined | string {
  const n = shards === undefined ? undefined : int(shards);
  if (shards !== undefined && !(n! >= 1)) return `--shards ${shards}: expected a number of shards ≥ 1`;
  if (arg !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(arg.trim());
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) return `--shard ${arg}: expected i/n with 0 ≤ i < n (like --shard 0/4)`;
    if (shards !== undefined) return '--shard and --shards exclude each other';
    return { index: Number(m[1]), count: Number(m[2]), from: '--shard' };
  }
  const fromEnv = (index: number | undefined, count: number | undefined, from: string): Shard | string => {
    const c = n ?? count;
    if (index === undefined) return `${from} is not a number`;
    if (c === undefined) return `${from} is set: give the number of shards with --shards N (the job's completions)`;
    if (index >= c) return `${from} = ${index} is not below ${c} shards`;
    return { index, count: c, from };
  };
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    return fromEnv(int(env.JOB_COMPLETION_INDEX), int(env.MEMCG_SIM_SHARDS), 'JOB_COMPLETION_INDEX');
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    // --array=1-16:2 numbers tasks 1, 3, …: the shard is the task's rank in the array.
    const id = int(env.SLURM_ARRAY_TASK_ID);
    const min = int(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const step = int(env.SLURM_ARRAY_TASK_STEP) ?? 1;
    return fromEnv(id === undefined ? undefined : (id - min) / step, int(env.SLURM_ARRAY_TASK_COUNT), 'SLURM_ARRAY_TASK_ID');
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    return fromEnv(int(env.AWS_BATCH_JOB_ARRAY_INDEX), int(env.AWS_BATCH_JOB_ARRAY_SIZE), 'AWS_BATCH_JOB_ARRAY_INDEX');
  }
  if (n !== undefined) return '--shards needs the shard index from a batch engine (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX) or --shard i/n';
  return undefined;
}

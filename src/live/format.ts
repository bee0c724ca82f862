// The text report of a live comparison: one line per value that differs, the usage followed op
// by op, the noise seen, and a summary.

import { findProfile } from '../core/profiles.js';
import { table } from '../report/text.js';
import type { ComparedValue } from './compare.js';
import type { LiveResult } from './live.js';

const PAGE = 4096;

/** A byte count as bytes and pages (values of *_in_bytes, memory.current, …). */
function show(key: string, v: string): string {
  const bytes = /(_in_bytes|memory\.current|memory\.peak|swap\.current|swap\.peak|memory\.stat:(total_)?(cache|rss|rss_huge|shmem|mapped_file|swap|(in)?active_(anon|file)|unevictable|anon|file\w*))$/.test(key);
  return bytes && /^\d+$/.test(v) && Number(v) % PAGE === 0 && Number(v) < 2 ** 52 ? `${v} (${Number(v) / PAGE} p)` : v;
}

function kernelText(v: ComparedValue): string {
  const uniq = [...new Set(v.kernel)];
  return uniq.length === 1 ? show(v.key, uniq[0]) : v.kernel.map((k) => show(v.key, k)).join(' | ');
}

export function formatLive(res: LiveResult, opts: { all?: boolean } = {}): string {
  const m = res.machine;
  const out: string[] = [];
  const prof = findProfile(res.profile);
  const runs = res.runs.length;
  out.push(`${res.scenario}${res.description ? `: ${res.description}` : ''}`);
  out.push('');
  out.push(`kernel ${m.release}, cgroup v${m.cgroupVersion}, ${m.nodes} node${m.nodes > 1 ? 's' : ''} × ${m.cpusPerNode} CPUs, ` +
    `${m.swapPages ? `swap ${Math.round(m.swapPages / 256)}M` : 'no swap'}${m.cgroupVersion === 1 ? `, memsw ${m.memsw ? 'on' : 'off'}` : ''}, kmem ${m.kmem === false ? 'off (nokmem)' : 'on'}, THP ${m.thp.enabled}` +
    `; emulator profile ${res.profile}${prof && prof.name !== res.profile ? ` (${prof.name})` : ''}; ${runs} kernel run${runs > 1 ? 's' : ''}` +
    (res.source.kind === 'replay' ? ` (saved ${res.source.takenAt.slice(0, 10)}, replayed from ${res.source.file})` : ` below ${res.source.root}`));
  for (const w of res.warnings) out.push(`  note: ${w}`);
  for (const k of res.kernelOnly) out.push(`  kernel only: ${k.path}: ${k.message}`);
  const c = res.comparison;
  if (!c) {
    out.push('', 'kernel values (no emulator side):');
    res.runs[0].checkpoints.forEach((cp) => {
      out.push(`  [${cp.name}]`);
      for (const [k, v] of Object.entries(cp.values)) out.push(`    ${k} ${res.runs.map((r) => show(k, r.checkpoints.find((x) => x.name === cp.name)?.values[k] ?? '')).join(' | ')}`);
    });
    return out.join('\n');
  }
  const shown = c.values.filter((v) => opts.all || v.status !== 'agree');
  out.push('');
  if (shown.length) {
    out.push(opts.all ? 'values (kernel vs emulator):' : 'values that differ (kernel vs emulator):');
    const reasons = [...new Set(shown.flatMap((v) => (v.known ? [v.known] : [])))];
    const rows = shown.map((v) => [
      `[${v.checkpoint}]`, v.key, kernelText(v), show(v.key, v.emulator),
      v.status === 'agree' ? 'agree' : [
        v.status === 'varies' ? `varies: ${v.kernel.filter((k) => k === v.emulator).length} of ${runs} runs agree` : v.varies ? `varies over ${runs} runs` : '',
        v.status === 'differ' && v.noise ? 'after noise' : '', v.known ? `known (${reasons.indexOf(v.known) + 1})` : ''].filter(Boolean).join('; '),
    ]);
    out.push(table(['checkpoint', 'value', 'kernel', 'emulator', ''], rows).split('\n').map((l) => `  ${l}`.trimEnd()).join('\n'));
    if (reasons.length) out.push('known differences:', ...reasons.map((r, i) => `  (${i + 1}) ${r}`));
  } else out.push('no differences');
  out.push('');
  const d = c.ops.firstDivergence;
  out.push(`usage after each op: ${c.ops.agree} of ${c.ops.compared} op steps agree` + (d
    ? `; first divergence at op ${d.op} (${d.path}, run ${d.run}): ${d.cgroup} kernel ${sign(d.kernelDelta)} → ${d.kernel} pages, emulator ${sign(d.emulatorDelta)} → ${d.emulator} pages`
    : ''));
  if (c.noise.length) {
    out.push(`noise (${c.noise.length} event${c.noise.length > 1 ? 's' : ''}, not a model difference):`);
    for (const n of c.noise.slice(0, 10)) out.push(`  run ${n.run}, op ${n.op} (${n.path}): ${n.what}`);
    if (c.noise.length > 10) out.push(`  … ${c.noise.length - 10} more`);
  }
  const s = c.summary;
  out.push('');
  const cps = new Set(c.values.filter((v) => v.checkpoint !== '(writes)').map((v) => v.checkpoint)).size;
  const writes = c.values.filter((v) => v.checkpoint === '(writes)').length;
  out.push(`summary: ${s.compared} values compared (${cps} checkpoint${cps === 1 ? '' : 's'}${writes ? `, ${writes} write result${writes === 1 ? '' : 's'}` : ''}): ${s.agree} agree, ${s.varies ? `${s.varies} vary between kernel runs (one of them as the emulator), ` : ''}${s.differ} differ` +
    (s.differ ? ` (${[`${s.known} known`, `${s.noise} after noise`, `${s.unexplained} unexplained`].join(', ')})` : ''));
  return out.join('\n');
}

function sign(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}

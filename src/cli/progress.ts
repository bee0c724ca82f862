// A progress bar for long runs: records done of the total and ops/s, redrawn on one line of a
// terminal at most ten times a second. The CLI uses it only when stderr is a TTY.

import type { Progress } from '../scenario/runner.js';

/** 1234567 → "1.2M". */
export function si(n: number): string {
  if (n < 1e3) return String(Math.round(n));
  const [d, s] = n < 1e6 ? [1e3, 'k'] : n < 1e9 ? [1e6, 'M'] : [1e9, 'G'];
  return `${(n / d).toFixed(1)}${s}`;
}

export class ProgressBar implements Progress {
  private label = '';
  private total = 0;
  private t0 = 0;
  private drawn = 0;

  constructor(private readonly stream: { write(s: string): unknown; columns?: number }, private readonly width = 30) {}

  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.t0 = this.drawn = performance.now();
  }

  update(done: number): void {
    const now = performance.now();
    if (now - this.drawn < 100) return;
    this.drawn = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const fill = Math.round(frac * this.width);
    const rate = done / Math.max(1e-3, (now - this.t0) / 1000);
    this.stream.write(
      `\r${this.label} [${'#'.repeat(fill)}${'-'.repeat(this.width - fill)}] ${(100 * frac).toFixed(0).padStart(3)}% ` +
        `${si(done)}/${si(this.total)} ops, ${si(rate)} ops/s\x1b[K`,
    );
  }

  end(): void {
    if (this.drawn !== this.t0) this.stream.write('\r\x1b[K');
  }
}

/** 95 → "1m35s", 12.3 → "12s". */
function clock(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  return r < 60 ? `${r}s` : r < 3600 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m`;
}

/** Points done of a sweep, elapsed time and the ETA (from the mean time per point so far), on one terminal line. */
export class SweepProgress {
  private readonly t0 = performance.now();
  private drawn = false;

  constructor(private readonly stream: { write(s: string): unknown }, private readonly label: string, private readonly width = 30) {}

  update(done: number, total: number, resumed = 0): void {
    const el = (performance.now() - this.t0) / 1000;
    const ran = done - resumed;
    const eta = ran > 0 ? (el / ran) * (total - done) : Infinity;
    const fill = Math.round((total ? done / total : 0) * this.width);
    this.stream.write(`\r${this.label} [${'#'.repeat(fill)}${'-'.repeat(this.width - fill)}] ${done}/${total} points, ${clock(el)} elapsed, ETA ${done === total ? '0s' : clock(eta)}\x1b[K`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}

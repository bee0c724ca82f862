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

/**
 * A progress bar on stderr for long offline work. Drawn only when stderr is a terminal (never in
 * CI logs or pipes), at most ten times a second.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;
  private bytes = 0;
  private rowCount = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    enabled = true,
  ) {
    this.enabled = enabled && process.stderr.isTTY === true && !process.env.CI;
  }

  update(bytes: number): void {
    this.bytes = bytes;
    this.draw(false);
  }

  rows(n: number): void {
    this.rowCount = n;
  }

  done(rows: number): void {
    this.rowCount = rows;
    this.bytes = this.total;
    this.draw(true);
    if (this.enabled) process.stderr.write('\n');
  }

  stop(): void {
    if (this.enabled && this.lastDraw > 0) process.stderr.write('\n');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const frac = this.total > 0 ? Math.min(1, this.bytes / this.total) : 1;
    const filled = Math.round(frac * width);
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const mb = this.bytes / 1e6;
    const eta = frac > 0 && frac < 1 ? ` eta ${Math.ceil((secs / frac) * (1 - frac))}s` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb.toFixed(1)} MB ${this.rowCount.toLocaleString('en-US')} rows ${(mb / secs).toFixed(1)} MB/s${eta}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  }
}

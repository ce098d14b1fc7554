/**
 * The worker's warm instances, as Lambda keeps them: an instance is warm once it has run, waits
 * idle for the next run, and is reclaimed after a quiet spell. A run that finds a warm idle instance
 * starts at once; any other run starts a new instance and pays the cold start.
 */
export class WarmInstances {
  /** When each warm idle instance became idle, the most recent last. */
  private readonly idleSince: number[] = [];

  constructor(
    /** How long an idle instance stays warm. */
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Warm instances waiting for a run now. */
  get idle(): number {
    this.reclaim();
    return this.idleSince.length;
  }

  /** Takes a warm idle instance for a run; false when there is none and the run starts cold. */
  take(): boolean {
    this.reclaim();
    // The most recently used one, as the oldest are the next to be reclaimed.
    return this.idleSince.pop() !== undefined;
  }

  /** A run ended: its instance, cold or warm before, is warm and idle from now. */
  release(): void {
    this.idleSince.push(this.now());
  }

  /** Every instance is gone (the worker stopped). */
  clear(): void {
    this.idleSince.length = 0;
  }

  private reclaim(): void {
    const now = this.now();
    // idleSince is in release order, so the reclaimed ones are a prefix.
    const stale = this.idleSince.findIndex((since) => now - since < this.idleMs);
    this.idleSince.splice(0, stale === -1 ? this.idleSince.length : stale);
  }
}

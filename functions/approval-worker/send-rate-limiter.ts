const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface SendRateLimiterOptions {
  /** Emails per second this worker may send at most. */
  readonly maxPerSecond: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The slowest pace throttling can bring a run down to: never below a quarter of the maximum, nor
 * below one email every 2 s (nor above the maximum). A task's retries must still fit in its time
 * budget (TASK_BUDGET_MS); the state machine's redeliveries do the rest.
 */
export function slowestSendRate(maxPerSecond: number): number {
  return Math.min(maxPerSecond, Math.max(maxPerSecond / 4, 0.5));
}

/**
 * Spaces sends so a worker run never exceeds its share of the SES sending rate. A throttling answer
 * halves the pace for the rest of the run; each success wins back a tenth of the maximum.
 */
export class SendRateLimiter {
  private readonly maxPerSecond: number;
  private readonly minPerSecond: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private perSecond: number;
  private nextSlot = 0;

  constructor(options: SendRateLimiterOptions) {
    if (!(options.maxPerSecond > 0)) throw new RangeError(`maxPerSecond must be above 0, not ${options.maxPerSecond}`);
    this.maxPerSecond = options.maxPerSecond;
    this.minPerSecond = slowestSendRate(options.maxPerSecond);
    this.perSecond = options.maxPerSecond;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** The pace in force, in emails per second. */
  get currentRate(): number {
    return this.perSecond;
  }

  /**
   * Waits for the next send slot. Slots are handed out in call order, so concurrent senders of one
   * run share one pace: a slot is taken synchronously, before any wait.
   */
  async acquire(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.perSecond;
    if (slot > now) await this.sleep(slot - now);
  }

  /** SES answered "Maximum sending rate exceeded": slow down. */
  throttled(): void {
    this.perSecond = Math.max(this.minPerSecond, this.perSecond / 2);
  }

  /** A send went through: creep back toward the configured maximum. */
  succeeded(): void {
    this.perSecond = Math.min(this.maxPerSecond, this.perSecond + this.maxPerSecond / 10);
  }
}

/**
 * Longest delay Node's setTimeout honours (about 24.8 days); a longer one fires after 1 ms with a
 * TimeoutOverflowWarning. Step Functions timeouts go up to a year.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** setTimeout for any delay: waits in steps of at most {@link MAX_TIMEOUT_MS}. */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimer {
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (remainingMs: number): void => {
    const stepMs = Math.min(remainingMs, MAX_TIMEOUT_MS);
    handle = setTimeout(() => {
      if (cleared) return;
      if (remainingMs > stepMs) arm(remainingMs - stepMs);
      else callback();
    }, stepMs);
  };
  arm(Math.max(0, delayMs));
  return {
    clear(): void {
      cleared = true;
      clearTimeout(handle);
    },
  };
}

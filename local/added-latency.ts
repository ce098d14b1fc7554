import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A latency added on purpose to a local endpoint, so a run can model AWS, where each call takes
 * tens of milliseconds rather than the one millisecond of loopback. Zero (the default) adds nothing,
 * not even a timer turn, so the local stack behaves as before unless a run asks for it.
 */
export function checkedLatencyMs(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of milliseconds >= 0, not ${value}.`);
  return value;
}

/** Waits the added latency; resolves at once (no timer) when it is 0. */
export async function addedLatency(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

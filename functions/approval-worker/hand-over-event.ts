/**
 * The most hand-overs in one chain: a run started by the hand-over numbered MAX_HAND_OVER_HOPS does
 * not hand over again. Lambda's own recursive-loop detection would stop a chain after about 16
 * invocations ("Use Lambda recursive loop detection to prevent infinite loops", Lambda developer
 * guide), too few for a large backlog, so the worker function allows recursion and counts its hops
 * itself, so that a bug can never keep a chain going forever. A run lasts at most the worker's
 * timeout (300 s, WORKER_TIMEOUT_SECONDS in infra/approval-config.ts), so a chain of 1 + 96 runs
 * lasts at most 97 x 300 s = 29,100 s, a little over 8 hours: at the default 10 emails a second,
 * with each run sending for about 220 of its 300 s, some 200,000 emails. A chain that reaches the
 * limit ends; the wake-ups and the hourly schedule start new runs, which start new chains.
 */
export const MAX_HAND_OVER_HOPS = 96;

const HAND_OVER_REASON = 'handOver';

/** The event a run that hands over starts its successor with; `hop` counts the hand-overs of the chain, from 1. */
export interface HandOverEvent {
  readonly reason: typeof HAND_OVER_REASON;
  readonly hop: number;
}

/** The event that starts the successor of a run that was itself started with `hop` (0: not by a hand-over). */
export function handOverEvent(hop: number): HandOverEvent {
  return { reason: HAND_OVER_REASON, hop: hop + 1 };
}

/** Whether a run was started by its predecessor's hand-over (and not by a wake-up or the schedule). */
export function isHandOverEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { reason?: unknown }).reason === HAND_OVER_REASON;
}

/**
 * How many hand-overs led to the run started with `event`: its `hop` when the event is a hand-over
 * with a whole, non-negative hop; 0 for any other event, and for a hand-over without a usable hop
 * (an event from a run of an older version, which sent none).
 */
export function handOverHop(event: unknown): number {
  if (!isHandOverEvent(event)) return 0;
  const hop = (event as { hop?: unknown }).hop;
  return typeof hop === 'number' && Number.isSafeInteger(hop) && hop >= 0 ? hop : 0;
}

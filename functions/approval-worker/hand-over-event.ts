/** The event a run that hands over starts its successor with. */
export const HAND_OVER_EVENT = { reason: 'handOver' } as const;

/** Whether a run was started by its predecessor's hand-over (and not by a wake-up or the schedule). */
export function isHandOverEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { reason?: unknown }).reason === HAND_OVER_EVENT.reason;
}

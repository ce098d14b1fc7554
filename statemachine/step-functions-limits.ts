/**
 * Step Functions service facts that the product (worker, CLI, construct) and the local Step
 * Functions endpoint both rely on, kept once. The local emulator imports nothing else from outside
 * `local/`.
 */

/**
 * What Step Functions accepts as the name of an execution, a state machine or an activity: 1 to 80
 * characters, none of them whitespace, brackets, wildcards, these punctuation marks or control
 * characters (StartExecution API reference, `name`). The CLI checks `--name` with it and the local
 * Step Functions endpoint answers InvalidName with it.
 */
export const MAX_NAME_LENGTH = 80;

export const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/**
 * The most an execution input (StartExecution `input`), a state's input or output and a task's
 * output may hold: 262,144 bytes (256 KiB) of UTF-8 (StartExecution API reference, `input`; Step
 * Functions service quotas). The local endpoint refuses more, as the service does; `approval start
 * --request` refuses a larger file before starting anything.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * The longest `cause` of a failure (SendTaskFailure, Fail states, StopExecution): 32,768
 * characters. The local endpoint refuses a longer one with ValidationException, as the service does.
 */
export const MAX_CAUSE_LENGTH = 32_768;

const ELLIPSIS = '...';

/**
 * `cause` cut to fit MAX_CAUSE_LENGTH, ending in "..." when cut. Counted in UTF-16 units, the
 * stricter count, so it fits whether the service counts units or code points; and never cut
 * between the two halves of a surrogate pair, which would leave a lone half that no UTF-8 text
 * (the request body) can carry.
 */
export function truncateCause(cause: string): string {
  if (cause.length <= MAX_CAUSE_LENGTH) return cause;
  let end = MAX_CAUSE_LENGTH - ELLIPSIS.length;
  const last = cause.charCodeAt(end - 1);
  // A high surrogate at the cut: its low half would be dropped, so drop it too.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${cause.slice(0, end)}${ELLIPSIS}`;
}

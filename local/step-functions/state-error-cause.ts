/**
 * The cause Step Functions gives when a state fails at run time for a reason of its own (an activity
 * that does not exist, a Fail state's path that finds nothing): the state, the history event that
 * entered it, then what went wrong. Recorded by LocalStack (test_activity_task_on_deleted,
 * test_invalid_jsonpath).
 */
export function stateErrorCause(state: { readonly name: string; readonly enteredEventId: number }, detail: string): string {
  return `An error occurred while executing the state '${state.name}' (entered at the event id #${state.enteredEventId}). ${detail}`;
}

/**
 * What Step Functions accepts as the name of an execution, a state machine or an activity: 1 to 80
 * characters, none of them whitespace, brackets, wildcards, these punctuation marks or control
 * characters (StartExecution API reference, `name`). The CLI checks `--name` with it and the local
 * Step Functions endpoint answers InvalidName with it.
 */
export const MAX_NAME_LENGTH = 80;

export const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

import { createReadStream } from 'node:fs';
import { type ApprovalChannel, requestForm, validateApprovalRequest } from '../functions/commons/approval-request';
import { describeType } from '../functions/commons/text-checks';
import { MAX_PAYLOAD_BYTES } from '../statemachine/step-functions-limits';
import { printable } from './format-values';
import { describeJsonSyntaxError, jsonSyntaxError } from './json-syntax';

/** `--request -`: the request comes on standard input. */
export const STANDARD_INPUT = '-';

/** Where the bytes of standard input come from: `process.stdin`, or a test's stream. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/** The execution input to start, exactly as the file gives it, or every problem found in it. */
export type RequestFromFile =
  | {
      readonly valid: true;
      /** The file's text (a UTF-8 byte order mark left out), sent as the execution input unchanged. */
      readonly inputText: string;
      readonly approvers: readonly string[];
      /** How the approvers are reached, the default applied. */
      readonly via: readonly ApprovalChannel[];
      /** The request names one manager and an employee (the original form). */
      readonly seedForm: boolean;
    }
  | { readonly valid: false; readonly problems: readonly string[] };

/** The file could not give a request; `problem` is one line, without the final period. */
class RequestFileError extends Error {
  override readonly name = 'RequestFileError';
}

/** `--request release-42.json`, or `--request - (standard input)`. */
function sourceLabel(path: string): string {
  return path === STANDARD_INPUT ? '--request - (standard input)' : `--request ${printable(path)}`;
}

function readFailure(label: string, error: unknown): RequestFileError {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return new RequestFileError(`${label}: no such file`);
    case 'EACCES':
    case 'EPERM':
      return new RequestFileError(`${label} cannot be read: permission denied`);
    case 'EISDIR':
      return new RequestFileError(`${label} is a directory, not a file`);
    default:
      return new RequestFileError(`${label} cannot be read: ${printable(error instanceof Error ? error.message : String(error))}`);
  }
}

/**
 * All of `source`, refused as soon as it holds more than MAX_PAYLOAD_BYTES: Step Functions takes no
 * larger execution input, and reading stops there rather than holding an endless stream in memory.
 */
async function readAtMostPayload(source: ByteSource, label: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.byteLength;
      if (size > MAX_PAYLOAD_BYTES) {
        throw new RequestFileError(
          `${label} is larger than ${MAX_PAYLOAD_BYTES.toLocaleString('en-US')} bytes (256 KiB), the most Step Functions takes as an execution input`,
        );
      }
      chunks.push(bytes);
    }
  } catch (error) {
    throw error instanceof RequestFileError ? error : readFailure(label, error);
  }
  return Buffer.concat(chunks);
}

/** The bytes as UTF-8 text, the only encoding Step Functions takes; a byte order mark is left out. */
function utf8Text(bytes: Uint8Array, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    throw new RequestFileError(`${label} is not UTF-8 text${utf16 ? ' (it is UTF-16: save it as UTF-8)' : ''}`);
  }
}

function parsedObject(text: string, label: string): Readonly<Record<string, unknown>> {
  if (text.trim() === '') throw new RequestFileError(`${label} is empty: give the whole request as one JSON object`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message may echo the text at length; the place is told without it.
    const syntax = jsonSyntaxError(text);
    throw new RequestFileError(
      `${label} is not JSON: ${syntax === undefined ? 'it cannot be parsed' : describeJsonSyntaxError(text, syntax)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RequestFileError(`${label} must hold one JSON object, the request, not ${describeType(value)}`);
  }
  return value as Readonly<Record<string, unknown>>;
}

/**
 * The key `approval` is the state machine's own: CheckRequest puts the checked request there, and a
 * parent state machine waiting with startExecution.waitForTaskToken puts its task token in
 * `approval.parentTaskToken` (statemachine/approval.asl.json). A person's request has no business there.
 */
function reservedKeyProblems(request: Readonly<Record<string, unknown>>): string[] {
  if (!Object.hasOwn(request, 'approval')) return [];
  return [
    'approval is reserved for the state machine (it keeps the checked request and the decision there, ' +
      "and a parent state machine's task token goes in approval.parentTaskToken): leave it out",
  ];
}

/**
 * The request of `approval start --request FILE` (FILE `-`: standard input): one JSON object of at
 * most MAX_PAYLOAD_BYTES, checked by the state machine's own rules (validateApprovalRequest, what
 * CheckRequest runs) with its fields named as the check names them (`approvers[1]`), so the CLI
 * refuses what would fail as InvalidRequest. Nothing here starts anything.
 */
export async function requestFromFile(path: string, stdin: ByteSource): Promise<RequestFromFile> {
  const label = sourceLabel(path);
  try {
    const source = path === STANDARD_INPUT ? stdin : createReadStream(path);
    const inputText = utf8Text(await readAtMostPayload(source, label), label);
    const request = parsedObject(inputText, label);
    const validation = validateApprovalRequest(request);
    const problems = [...reservedKeyProblems(request), ...(validation.valid ? [] : validation.problems.map((problem) => problem.message))];
    if (!validation.valid || problems.length > 0) return { valid: false, problems: problems.map((problem) => `${label}: ${problem}`) };
    return {
      valid: true,
      inputText,
      approvers: validation.request.approvers,
      via: validation.request.via,
      seedForm: requestForm(request) === 'seed',
    };
  } catch (error) {
    if (error instanceof RequestFileError) return { valid: false, problems: [error.message] };
    throw error;
  }
}

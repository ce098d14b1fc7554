import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CreateActivityInput,
  CreateStateMachineInput,
  DeleteActivityInput,
  DescribeActivityInput,
  DescribeExecutionInput,
  DescribeStateMachineInput,
  GetActivityTaskInput,
  GetExecutionHistoryInput,
  SendTaskFailureInput,
  SendTaskHeartbeatInput,
  SendTaskSuccessInput,
  StartExecutionInput,
  StopExecutionInput,
} from '@aws-sdk/client-sfn';
import { addedLatency, checkedLatencyMs } from '../added-latency';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, RequestAborted, urlHost, utf8Text } from '../http-guard';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { StepFunctionsEngine } from './engine';
import { StepFunctionsApiError } from './errors';

export interface LocalStepFunctionsOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks any free port. @default DEFAULT_LOCAL_PORTS.stepFunctions */
  port?: number;
  /** @default 'us-east-1' */
  region?: string;
  /** @default '123456789012' */
  accountId?: string;
  /** Receives one short line per notable event; never a task token. */
  log?: (line: string) => void;
  /** How long GetActivityTask holds a request when no task waits. @default 60000 */
  activityPollHoldMs?: number;
  /**
   * Added to every API call before it runs, to model the service's latency (loopback answers in
   * about a millisecond). A GetActivityTask pays it before its poll is held, so a held poll never
   * loses a task to it. @default 0
   */
  latencyMs?: number;
  /** How long a client may take to send a whole request; a request still unfinished then gets an error. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  requestTimeoutMs?: number;
}

export interface LocalStepFunctions {
  /** `http://127.0.0.1:PORT`: give it to an SDK client as `endpoint`, or set AWS_ENDPOINT_URL_SFN. */
  readonly url: string;
  readonly port: number;
  readonly engine: StepFunctionsEngine;
  /** Changes the latency added to each API call from the next call on (see `latencyMs`). */
  setLatencyMs(ms: number): void;
  /** Ends held polls, aborts executions, clears every timer, closes every connection; resolves once the port is free. */
  close(): Promise<void>;
}

/** The endpoint could not listen. */
export class LocalStepFunctionsStartError extends Error {
  override readonly name = 'LocalStepFunctionsStartError';
}

/** Largest request body read: a 1 MiB definition, escaped, fits. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** The AWS JSON protocol's content types; the SDK sends 1.0. */
const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set([CONTENT_TYPE, 'application/x-amz-json-1.1']);
/** An X-Amz-Target worth quoting back: an operation name, not whatever a client put there. */
const QUOTABLE_TARGET = /^[A-Za-z0-9_.]{1,128}$/;

type Operation = (engine: StepFunctionsEngine, request: object, signal: AbortSignal) => unknown;

// Requests are parsed JSON of any shape; the engine checks every field at run time.
const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateActivity: (engine, request) => engine.createActivity(request as CreateActivityInput),
  DescribeActivity: (engine, request) => engine.describeActivity(request as DescribeActivityInput),
  ListActivities: (engine, request) => engine.listActivities(request),
  DeleteActivity: (engine, request) => engine.deleteActivity(request as DeleteActivityInput),
  CreateStateMachine: (engine, request) => engine.createStateMachine(request as CreateStateMachineInput),
  DescribeStateMachine: (engine, request) => engine.describeStateMachine(request as DescribeStateMachineInput),
  ListStateMachines: (engine, request) => engine.listStateMachines(request),
  StartExecution: (engine, request) => engine.startExecution(request as StartExecutionInput),
  StopExecution: (engine, request) => engine.stopExecution(request as StopExecutionInput),
  DescribeExecution: (engine, request) => engine.describeExecution(request as DescribeExecutionInput),
  ListExecutions: (engine, request) => engine.listExecutions(request),
  GetExecutionHistory: (engine, request) => engine.getExecutionHistory(request as GetExecutionHistoryInput),
  GetActivityTask: (engine, request, signal) => engine.getActivityTask(request as GetActivityTaskInput, { signal }),
  SendTaskSuccess: (engine, request) => engine.sendTaskSuccess(request as SendTaskSuccessInput),
  SendTaskFailure: (engine, request) => engine.sendTaskFailure(request as SendTaskFailureInput),
  SendTaskHeartbeat: (engine, request) => engine.sendTaskHeartbeat(request as SendTaskHeartbeatInput),
};

/** The protocol sends timestamps as epoch seconds. */
function serialize(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, converted: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : converted;
  });
}

function send(response: ServerResponse, status: number, body: unknown, options: { readonly close?: boolean } = {}): void {
  // A client that went away gets nothing; writing would only raise an error.
  if (response.destroyed || response.writableEnded) return;
  const text = serialize(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    // The rest of a body too large to read is not read: the connection closes after the answer.
    ...(options.close ? { Connection: 'close' } : {}),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: StepFunctionsApiError, options: { readonly close?: boolean } = {}): void {
  send(response, 400, { __type: error.type, message: error.message }, options);
}

/** Refusals of the shared guards (misdirected requests, timeouts), as AWS JSON 1.0 framework errors. */
const errorShape: ErrorShape = (_status, type, message) => ({
  headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() },
  body: JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }),
});

function parseRequest(body: string): object {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new StepFunctionsApiError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StepFunctionsApiError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed;
}

async function handle(
  engine: StepFunctionsEngine,
  request: IncomingMessage,
  response: ServerResponse,
  log: (line: string) => void,
  latencyMs: number,
): Promise<void> {
  // The response's close, not the request's: the request closes as soon as its body is read.
  const clientGone = new AbortController();
  response.on('close', () => clientGone.abort());
  try {
    const body = await readRequestBody(request, MAX_BODY_BYTES);
    // Before the operation, never after it: a GetActivityTask that took a task answers at once, so
    // no added wait stands between a handed-over task and its answer (a client that gave up during
    // the wait has aborted the signal, and the poll is never held).
    await addedLatency(latencyMs);
    if (request.method !== 'POST') {
      // Node's parser takes only the methods it knows, so the name is safe to quote.
      throw new StepFunctionsApiError(
        'UnknownOperationException',
        `The Step Functions API takes POST requests, not ${request.method ?? 'this method'}.`,
      );
    }
    // Assumption (not in the AWS docs): AWS JSON services answer a content type they do not take
    // with UnknownOperationException, as Kinesis does for application/octet-stream (reported in
    // disneystreaming/smithy4s issue 167).
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!ACCEPTED_CONTENT_TYPES.has(contentType)) {
      throw new StepFunctionsApiError(
        'UnknownOperationException',
        `Send the request as ${CONTENT_TYPE}, with X-Amz-Target naming the operation.`,
      );
    }
    const target = request.headers['x-amz-target'];
    const operationName = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = operationName === undefined ? undefined : OPERATIONS[operationName];
    if (operation === undefined) {
      const named =
        typeof target === 'string' && QUOTABLE_TARGET.test(target) ? `Unknown operation ${target}` : 'No known operation in X-Amz-Target';
      throw new StepFunctionsApiError(
        'UnknownOperationException',
        `${named}: this local endpoint serves ${Object.keys(OPERATIONS).join(', ')}.`,
      );
    }
    const text = utf8Text(body);
    if (text === undefined) throw new StepFunctionsApiError('SerializationException', 'The request body is not valid UTF-8.');
    send(response, 200, await operation(engine, parseRequest(text), clientGone.signal));
  } catch (error) {
    if (error instanceof StepFunctionsApiError) {
      sendError(response, error);
      return;
    }
    if (error instanceof BodyTooLarge) {
      sendError(response, new StepFunctionsApiError('ValidationException', error.message), { close: true });
      return;
    }
    // A client that went away mid-request made no mistake of the endpoint's: nothing to answer or log.
    if (error instanceof RequestAborted) return;
    log(`internal error: ${(error as Error).name}: ${(error as Error).message}`);
    send(response, 500, {
      __type: 'com.amazon.coral.service#InternalFailure',
      message: 'The local Step Functions endpoint failed; see its log.',
    });
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const hint = error.code === 'EADDRINUSE' ? ' Stop whatever holds it, or pass port 0 to take any free port.' : '';
      reject(
        new LocalStepFunctionsStartError(`Cannot listen on ${host}:${port} (${error.code ?? error.message}).${hint}`, { cause: error }),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts a local Step Functions endpoint speaking the service's JSON 1.0 protocol, so the AWS SDK
 * (`new SFNClient({ endpoint: url })`) and the AWS CLI (`--endpoint-url`) can drive it.
 */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions = {}): Promise<LocalStepFunctions> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const log = options.log ?? (() => undefined);
  const engine = new StepFunctionsEngine({
    region: options.region,
    accountId: options.accountId,
    log,
    activityPollHoldMs: options.activityPollHoldMs,
  });
  let latencyMs = checkedLatencyMs('latencyMs', options.latencyMs);
  const server = createLocalServer(
    { host, errorShape, sameOriginOnly: true, requestTimeoutMs: options.requestTimeoutMs },
    (request, response) => void handle(engine, request, response, log, latencyMs),
  );
  try {
    await listen(server, options.port ?? DEFAULT_LOCAL_PORTS.stepFunctions, host);
  } catch (error) {
    await engine.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  log(`Step Functions endpoint listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    engine,
    setLatencyMs(ms: number): void {
      latencyMs = checkedLatencyMs('latencyMs', ms);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await engine.close();
        // One turn so the answers to polls just ended are written before connections close.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        log(`Step Functions endpoint on ${url} closed`);
      })();
      return closing;
    },
  };
}

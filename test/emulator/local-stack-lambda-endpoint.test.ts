import { InvokeCommand, LambdaClient, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { type LocalLambda, type LocalLambdaFunction, startLocalLambda } from '../../local/lambda/server';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import { WorkerInvokeError } from '../../local/worker/worker-invoke-error';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

const clients: LambdaClient[] = [];
function lambdaClient(endpoint?: string): LambdaClient {
  const client = new LambdaClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  clients.push(client);
  return client;
}
afterAll(() => {
  for (const client of clients) client.destroy();
});

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const decode = (payload: Uint8Array | null | undefined): unknown =>
  payload === undefined || payload === null || payload.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(payload));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the local Lambda Invoke endpoint, with the real worker', () => {
  const local = useLocalStack();
  const checkRequest = (request: unknown): Uint8Array => encode({ action: 'checkRequest', request });

  it('runs a RequestResponse invoke and answers 200 with what the handler returned', async () => {
    const answer = await lambdaClient(local.stack.lambdaUrl).send(
      new InvokeCommand({
        FunctionName: local.stack.workerFunctionArn,
        InvocationType: 'RequestResponse',
        Payload: checkRequest({ managerEmailAddress: 'manager@example.com', employeeName: 'Jane' }),
      }),
    );
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(decode(answer.Payload)).toMatchObject({ valid: true, request: { approvers: ['manager@example.com'] } });
  });

  it('queues an Event invoke, answers 202 with no payload, and runs it', async () => {
    const answer = await lambdaClient(local.stack.lambdaUrl).send(
      new InvokeCommand({ FunctionName: local.stack.workerFunctionArn, InvocationType: 'Event', Payload: checkRequest({ approvers: [] }) }),
    );
    expect(answer.StatusCode).toBe(202);
    expect(decode(answer.Payload)).toBeUndefined();
    // The run happens after the answer, as an asynchronous invocation does; its verdict is in the worker's log.
    await waitFor(
      () => local.logs.some((line) => line.startsWith('[worker]') && line.includes('Checked an approval request: invalid')),
      'the queued run',
    );
  });

  it('reaches the function by every name the worker knows itself by, through AWS_ENDPOINT_URL_LAMBDA', async () => {
    const environment = local.stack.worker.environment;
    expect(environment.AWS_ENDPOINT_URL_LAMBDA).toBe(local.stack.lambdaUrl);
    const ownName = environment.AWS_LAMBDA_FUNCTION_NAME ?? '';
    const deployedName = local.stack.workerFunctionArn.split(':').at(-1) ?? '';
    // The SDK reads the service's endpoint variable when no endpoint is given, as the worker's client
    // does; it resolves the endpoint per call, so the variable stays set while the calls run.
    const previous = process.env.AWS_ENDPOINT_URL_LAMBDA;
    process.env.AWS_ENDPOINT_URL_LAMBDA = environment.AWS_ENDPOINT_URL_LAMBDA;
    try {
      const client = lambdaClient();
      for (const name of [
        ownName,
        deployedName,
        `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${ownName}`,
        `${deployedName}:$LATEST`,
      ]) {
        const answer = await client.send(
          new InvokeCommand({
            FunctionName: name,
            Payload: checkRequest({ managerEmailAddress: 'manager@example.com', employeeName: 'Jane' }),
          }),
        );
        expect({ name, status: answer.StatusCode, valid: (decode(answer.Payload) as { valid?: boolean }).valid }).toEqual({
          name,
          status: 200,
          valid: true,
        });
      }
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_LAMBDA;
      else process.env.AWS_ENDPOINT_URL_LAMBDA = previous;
    }
  });

  it('answers an unknown function, or a version that does not exist, with 404 ResourceNotFoundException', async () => {
    const client = lambdaClient(local.stack.lambdaUrl);
    for (const [FunctionName, Qualifier] of [
      ['no-such-function', undefined],
      [`arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:no-such-function`, undefined],
      [local.stack.workerFunctionArn, 'prod'],
    ] as const) {
      const error = await client
        .send(new InvokeCommand({ FunctionName, Qualifier, Payload: encode({}) }))
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error).toMatchObject({
        $metadata: { httpStatusCode: 404 },
        message: expect.stringMatching(/^Function not found: arn:aws:lambda:/) as unknown,
      });
    }
  });
});

describe('the local Lambda Invoke endpoint, with a stand-in function', () => {
  let lambda: LocalLambda;
  const queued: unknown[] = [];
  let next: () => Promise<unknown> = () => Promise.resolve(null);
  const target: LocalLambdaFunction = {
    invokeAsync: (event) => queued.push(event),
    invokeSync: () => next(),
  };
  const invoke = (payload: Uint8Array): Promise<unknown> =>
    lambdaClient(lambda.url)
      .send(new InvokeCommand({ FunctionName: 'stand-in', Payload: payload }))
      .catch((error: unknown) => error);

  beforeAll(async () => {
    lambda = await startLocalLambda({ port: 0, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
    lambda.registerFunction('stand-in', target);
  });
  afterAll(() => lambda?.close());

  it('hands an Event invoke its payload, and an empty payload as {}', async () => {
    const client = lambdaClient(lambda.url);
    await client.send(new InvokeCommand({ FunctionName: 'stand-in', InvocationType: 'Event', Payload: encode({ source: 'hand-over' }) }));
    await client.send(new InvokeCommand({ FunctionName: 'stand-in', InvocationType: 'Event' }));
    expect(queued).toEqual([{ source: 'hand-over' }, {}]);
  });

  it('answers a function error with 200, X-Amz-Function-Error Unhandled and the error as payload, as Lambda does', async () => {
    next = () =>
      Promise.reject(
        new WorkerInvokeError({ kind: 'handled', error: { errorType: 'TypeError', errorMessage: 'boom', trace: ['TypeError: boom'] } }),
      );
    expect(await invoke(encode({}))).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    const thrown = (await invoke(encode({}))) as { Payload?: Uint8Array };
    expect(decode(thrown.Payload)).toEqual({ errorType: 'TypeError', errorMessage: 'boom', trace: ['TypeError: boom'] });

    next = () => Promise.reject(new WorkerInvokeError({ kind: 'unhandled', reason: 'Task timed out after 3.00 seconds' }));
    const timedOut = (await invoke(encode({}))) as { FunctionError?: string; Payload?: Uint8Array };
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(decode(timedOut.Payload)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' });
  });

  it('answers a stopped function with 429 TooManyRequestsException, and a handler that returns nothing with null', async () => {
    next = () => Promise.reject(new WorkerInvokeError({ kind: 'throttled' }));
    expect(await invoke(encode({}))).toBeInstanceOf(TooManyRequestsException);

    next = () => Promise.resolve(undefined);
    const answer = (await invoke(encode({}))) as { StatusCode?: number; Payload?: Uint8Array };
    expect(answer.StatusCode).toBe(200);
    expect(new TextDecoder().decode(answer.Payload)).toBe('null');
  });

  it('refuses a payload that is not JSON', async () => {
    expect(await invoke(new TextEncoder().encode('{not json'))).toMatchObject({
      name: 'InvalidRequestContentException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

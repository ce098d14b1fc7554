import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, ListActivitiesCommand } from '@aws-sdk/client-sfn';
import { type LocalSes, startLocalSes } from '../../local/ses/server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import { sleep, useLocalStepFunctions, WORKER } from '../support/use-local-step-functions';

jest.setTimeout(30_000);

/** Loose lower bounds only: an added latency makes a call take at least that long; nothing here times an upper bound tightly. */
const LATENCY_MS = 150;

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await call();
  return { value, ms: performance.now() - startedAt };
}

describe('the local Step Functions endpoint with an added latency', () => {
  const local = useLocalStepFunctions();
  const { workflow, start, waitForStatus, succeed, historyTypes } = local;

  afterEach(() => local.endpoint.setLatencyMs(0));

  it('adds nothing by default, and the latency to every call once set', async () => {
    const list = (): Promise<unknown> => local.sfn.send(new ListActivitiesCommand({}));
    // Five calls without latency take far less than one call with it would.
    const plain = await timed(async () => {
      for (let call = 0; call < 5; call++) await list();
    });
    expect(plain.ms).toBeLessThan(5 * 1_000);

    local.endpoint.setLatencyMs(LATENCY_MS);
    const one = await timed(list);
    expect(one.ms).toBeGreaterThanOrEqual(LATENCY_MS - 5);
    // Per call, not once per connection: three calls pay it three times.
    const three = await timed(async () => {
      for (let call = 0; call < 3; call++) await list();
    });
    expect(three.ms).toBeGreaterThanOrEqual(3 * LATENCY_MS - 5);
  });

  it('hands a held GetActivityTask the task scheduled while it waits', async () => {
    local.endpoint.setLatencyMs(LATENCY_MS);
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    const poll = local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));
    // Past the added latency: the poll is held by now.
    await sleep(LATENCY_MS + 200);
    const executionArn = await start(stateMachineArn, { request: 'held with latency' });
    const task = await poll;

    expect(task.taskToken).toEqual(expect.any(String));
    expect(JSON.parse(task.input ?? 'null')).toEqual({ request: 'held with latency' });
    await succeed(task.taskToken ?? '', { approved: true });
    await waitForStatus(executionArn, 'SUCCEEDED');
  });

  it('never gives a task to a poll whose caller left during the added latency', async () => {
    local.endpoint.setLatencyMs(LATENCY_MS);
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    const executionArn = await start(stateMachineArn, { request: 'kept' });
    // The task waits; this caller gives up while its call is still in the added latency.
    const controller = new AbortController();
    const abandoned = local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'gone' }), { abortSignal: controller.signal });
    await sleep(LATENCY_MS / 3);
    controller.abort();
    await expect(abandoned).rejects.toThrow();
    await sleep(LATENCY_MS);

    const task = await local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));
    expect(JSON.parse(task.input ?? 'null')).toEqual({ request: 'kept' });
    await succeed(task.taskToken ?? '', { approved: true });
    await waitForStatus(executionArn, 'SUCCEEDED');
    // Started once, by the poll that answered.
    expect((await historyTypes(executionArn)).filter((type) => type === 'ActivityStarted')).toHaveLength(1);
  });

  it('rejects a latency that is not a number of milliseconds >= 0', () => {
    expect(() => local.endpoint.setLatencyMs(-1)).toThrow(RangeError);
    expect(() => local.endpoint.setLatencyMs(Number.NaN)).toThrow(RangeError);
  });
});

describe('the local SES endpoint with an added latency', () => {
  let plain: LocalSes;
  let slow: LocalSes;
  const clients: SESv2Client[] = [];
  const clientFor = (ses: LocalSes): SESv2Client => {
    const client = new SESv2Client({ endpoint: ses.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const sendEmail = (client: SESv2Client, to: string): Promise<{ MessageId?: string }> =>
    client.send(
      new SendEmailCommand({
        FromEmailAddress: 'approvals@example.com',
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: 'latency' }, Body: { Text: { Data: 'latency' } } } },
      }),
    );

  beforeAll(async () => {
    plain = await startLocalSes({ port: 0 });
    slow = await startLocalSes({ port: 0, latencyMs: LATENCY_MS });
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await plain?.close();
    await slow?.close();
  });

  it('adds nothing by default', async () => {
    const client = clientFor(plain);
    const five = await timed(async () => {
      for (let call = 0; call < 5; call++) await sendEmail(client, 'plain@example.com');
    });
    expect(five.ms).toBeLessThan(5 * 1_000);
    expect(plain.sent()).toHaveLength(5);
  });

  it('adds the latency to every SendEmail, and stores the email once it has passed', async () => {
    const client = clientFor(slow);
    const startedAt = Date.now();
    const one = await timed(() => sendEmail(client, 'slow@example.com'));
    expect(one.ms).toBeGreaterThanOrEqual(LATENCY_MS - 5);
    expect(one.value.MessageId).toEqual(expect.any(String));
    expect(slow.sent().at(-1)?.acceptedAt).toBeGreaterThanOrEqual(startedAt + LATENCY_MS - 5);

    const three = await timed(async () => {
      for (let call = 0; call < 3; call++) await sendEmail(client, 'slow@example.com');
    });
    expect(three.ms).toBeGreaterThanOrEqual(3 * LATENCY_MS - 5);
  });

  it('adds it to a fault answer and to the other SES API calls, but not to the inbox', async () => {
    slow.setFault('throttled');
    try {
      const throttled = await timed(() => sendEmail(clientFor(slow), 'slow@example.com').catch((error: Error) => error));
      expect(throttled.value).toMatchObject({ name: 'TooManyRequestsException' });
      expect(throttled.ms).toBeGreaterThanOrEqual(LATENCY_MS - 5);
    } finally {
      slow.setFault(undefined);
    }
    const account = await timed(() => fetch(`${slow.url}/v2/email/account`));
    expect(account.ms).toBeGreaterThanOrEqual(LATENCY_MS - 5);

    // The inbox is the stand-in's own page, not an SES call: a larger latency shows it is not paid there.
    slow.setLatencyMs(5_000);
    try {
      const store = await timed(() => fetch(`${slow.url}/store`));
      expect(store.value.status).toBe(200);
      expect(store.ms).toBeLessThan(5_000);
    } finally {
      slow.setLatencyMs(LATENCY_MS);
    }
  });
});

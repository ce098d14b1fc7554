import { type LocalStack, startLocalStack } from '../../local/index';
import { testAssembly } from '../support/assemblies';
import { lambdaContext } from '../../local/worker/lambda-context';

jest.setTimeout(60_000);

/** Below one whole long poll (60 s) and a task: a run given this long may not start a poll. */
const WORKER_TIMEOUT_SECONDS = 20;

describe("the handler's context", () => {
  it('counts down from the time limit the runner gives it', () => {
    let now = 1_000_000;
    const context = lambdaContext({ id: 7, timeoutMs: WORKER_TIMEOUT_SECONDS * 1000, functionName: 'approval-worker' }, 42, () => now);
    expect(context.getRemainingTimeInMillis()).toBe(20_000);
    now += 5_000;
    expect(context.getRemainingTimeInMillis()).toBe(15_000);
    now += 60_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(context.awsRequestId).toBe('local-42-7');
  });
});

describe('a local stack with workerTimeoutSeconds', () => {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await startLocalStack({
      assemblyDir: testAssembly(),
      ports: { api: 0, ses: 0, stepFunctions: 0, lambda: 0 },
      workerTimeoutSeconds: WORKER_TIMEOUT_SECONDS,
    });
  });
  afterAll(() => stack?.close());
  const worker = (): LocalStack['worker'] => {
    if (!stack) throw new Error('The local stack did not start.');
    return stack.worker;
  };

  it("replaces the template's timeout, and the real handler sees it in its remaining time", async () => {
    expect(worker().timeoutSeconds).toBe(WORKER_TIMEOUT_SECONDS);
    // A drain run with 20 s left cannot fit a whole poll, so it must stop without polling; with the
    // template's timeout the same run would hold a poll for 60 s.
    const startedAt = Date.now();
    const summary = await worker().invokeSync({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    expect(summary).toMatchObject({ tasksTaken: 0, stoppedBecause: 'time-running-out' });
    expect(Date.now() - startedAt).toBeLessThan(WORKER_TIMEOUT_SECONDS * 1000);
  });
});

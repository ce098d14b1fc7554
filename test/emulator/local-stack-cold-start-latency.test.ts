import { type LocalStack, startLocalStack } from '../../local/index';
import { testAssembly } from '../support/assemblies';

jest.setTimeout(60_000);

/** Large beside a warm checkRequest run (a few milliseconds), so "not paid" is a loose bound too. */
const COLD_START_MS = 1_500;
const WARM_IDLE_MS = 3_000;

let stack: LocalStack | undefined;
beforeAll(async () => {
  stack = await startLocalStack({
    assemblyDir: testAssembly(),
    ports: { api: 0, ses: 0, stepFunctions: 0, lambda: 0 },
    latency: { coldStartMs: COLD_START_MS, warmIdleMs: WARM_IDLE_MS },
  });
});
afterAll(() => stack?.close());

function worker(): LocalStack['worker'] {
  if (!stack) throw new Error('The local stack did not start.');
  return stack.worker;
}

/** A synchronous invoke (the CheckRequest state's): how long it took, from the call to the answer. */
async function timedCheckRequest(): Promise<number> {
  const startedAt = performance.now();
  const answer = await worker().invokeSync({
    action: 'checkRequest',
    request: { managerEmailAddress: 'manager@example.com', employeeName: 'Jane' },
  });
  expect(answer).toMatchObject({ valid: true });
  return performance.now() - startedAt;
}

describe('the local worker with a cold start', () => {
  it('pays it on a run that finds no warm idle instance, and not on one that does', async () => {
    // The boot-time scheduled run holds its instance in a long poll: none is idle.
    expect(worker().warmIdleInstances).toBe(0);
    expect(await timedCheckRequest()).toBeGreaterThanOrEqual(COLD_START_MS - 5);

    // That run's instance is warm and idle now: the next run takes it and starts at once.
    expect(worker().warmIdleInstances).toBe(1);
    expect(await timedCheckRequest()).toBeLessThan(COLD_START_MS);
    expect(worker().warmIdleInstances).toBe(1);
  });

  it('starts a second instance cold when the warm one is busy', async () => {
    expect(worker().warmIdleInstances).toBe(1);
    const [first, second] = await Promise.all([timedCheckRequest(), timedCheckRequest()]);
    // One took the warm instance; the other had none left and paid the cold start.
    expect(Math.min(first, second)).toBeLessThan(COLD_START_MS);
    expect(Math.max(first, second)).toBeGreaterThanOrEqual(COLD_START_MS - 5);
    expect(worker().warmIdleInstances).toBe(2);
  });

  it('goes cold again after a quiet spell', async () => {
    await new Promise((resolve) => setTimeout(resolve, WARM_IDLE_MS + 200));
    expect(worker().warmIdleInstances).toBe(0);
    expect(await timedCheckRequest()).toBeGreaterThanOrEqual(COLD_START_MS - 5);
  });
});

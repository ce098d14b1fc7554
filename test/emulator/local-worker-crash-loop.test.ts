import * as path from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import { LocalActivityWorker } from '../../local/worker/local-activity-worker';

jest.setTimeout(60_000);

/**
 * A worker process that dies as soon as a run reaches it (a task that crashes the worker every
 * time): the runner starts a new process each time, but a new run only with the next wake-up or
 * scheduled run, not at once, which would fork and crash in a loop with no pause.
 */
const CRASH_ON_INVOKE = path.join(__dirname, '..', 'support', 'crash-on-invoke.ts');
const WORKER_CODE = path.join(__dirname, '..', '..', 'dist', 'assets', 'approval-worker');
const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
/** Shorter than the default (MIN_LIFETIME_FOR_CATCH_UP_RUN_MS), and still longer than the quiet spells below. */
const MIN_LIFETIME_MS = 3_000;
const EXITED = /^The worker process exited unexpectedly \(code 1\); 1 run in flight failed with Runtime\.ExitError\./;

let worker: LocalActivityWorker | undefined;

afterEach(async () => {
  await worker?.close();
});

async function waitFor(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error(`Still no ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a worker process that dies as each run reaches it is replaced, and runs again only at the next wake-up', async () => {
  const logs: string[] = [];
  const exits = (): number => logs.filter((line) => EXITED.test(line)).length;
  worker = new LocalActivityWorker({
    // The worker's code as the stack deploys it (built by jest's globalSetup).
    codeDir: WORKER_CODE,
    handler: 'index.handler',
    environment: {
      NODE_OPTIONS: `--require tsx/cjs --require ${CRASH_ON_INVOKE}`,
      ACTIVITY_ARN: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:activity:crash-loop`,
      APPROVAL_API_URL: 'http://127.0.0.1:9/respond',
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    timeoutSeconds: 30,
    // No scheduled run during the test besides the one at start.
    scheduleMs: 3_600_000,
    minLifetimeForCatchUpRunMs: MIN_LIFETIME_MS,
    log: (line) => logs.push(line),
  });

  await worker.start();
  await waitFor('replacement process', () => logs.some((line) => line.startsWith('A new worker process is ready')));
  // Time for a run started at once in the replacement to reach it and kill it, several times over,
  // and short of the lifetime after which a replacement does start a run at once.
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  expect(exits()).toBe(1);
  expect(logs).toContainEqual(
    expect.stringMatching(
      /^A new worker process is ready\. The one before died \d+\.\d s after it started or a run reached it, so no run starts in it now: the next wake-up or scheduled run starts one\.$/,
    ),
  );
  expect(logs).not.toContain('A new worker process is ready; a run starts in it, as the schedule would start one.');

  // A wake-up starts one run, which dies in turn; again, no more.
  worker.invokeAsync(SCHEDULED_EVENT);
  await waitFor('second exit', () => exits() === 2);
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  expect(exits()).toBe(2);

  // A wake-up long after the replacement was ready: the process it kills had lived more than the
  // lifetime, but died as the run reached it, so again no run starts at once.
  await new Promise((resolve) => setTimeout(resolve, MIN_LIFETIME_MS + 500));
  worker.invokeAsync(SCHEDULED_EVENT);
  await waitFor('third exit', () => exits() === 3);
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  expect(exits()).toBe(3);
});

import { performance } from 'node:perf_hooks';
import { GetActivityTaskCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { SesFault } from '../../local/ses/faults';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses/stored-emails';
import { linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import {
  countEvents,
  emailsByRequest,
  emailsOfStack,
  executionNames,
  historyOf,
  NO_LONGER_OPEN,
  requestNameOf,
  sleep,
  startNamed,
  tally,
  useFaultStack,
  waitUntil,
} from './fault-harness';
import { results, seenTaskTokens } from './suite-collector';

// Faults of the worker and of SES: a worker that dies holding a task, an SES that refuses for a while.
// Part of the fault suite: run through local-stack-faults.test.ts.

describe('1. the worker dies right after taking a task', () => {
  const REMINDER_INTERVAL_SECONDS = 3;
  const REMINDER_COUNT = 1;
  const local = useFaultStack('worker-dies', { reminderIntervalSeconds: REMINDER_INTERVAL_SECONDS, reminderCount: REMINDER_COUNT });

  it('the reminder still goes out and the request expires on time; nothing stays RUNNING', async () => {
    await local.stack.worker.close();
    // The dead worker's held poll ends when the endpoint sees its socket close; only then does a
    // new task go to the next poll instead of to the dead one.
    await sleep(300);
    // The function answers again (CheckRequest calls it), but no run takes tasks until the dying one has.
    local.stack.worker.holdSlots(true);
    await local.stack.worker.start();

    const manager = uniqueManager('dies');
    const name = `worker-dies-${process.pid}`;
    const executionArn = await startNamed(local.sfn, local.stack, name, { managerEmailAddress: manager, employeeName: 'Dana' });
    // This poll is the worker that dies: it takes the task and never emails or answers it.
    const taken = await local.sfn.send(
      new GetActivityTaskCommand({ activityArn: local.stack.activityArn, workerName: 'worker-that-dies' }),
    );
    const droppedToken = taken.taskToken;
    expect(droppedToken).toEqual(expect.any(String));
    seenTaskTokens.add(droppedToken ?? '');
    expect(JSON.parse(taken.input ?? '{}')).toMatchObject({
      executionName: name,
      attempt: 1,
      approver: manager,
      request: { approvers: [manager] },
    });
    local.stack.worker.holdSlots(false);

    const attempts = REMINDER_COUNT + 1;
    const deadlineMs = attempts * REMINDER_INTERVAL_SECONDS * 1000 + 4_000;
    const emails = await waitForEmails(local.stack, manager, 1, deadlineMs);
    const execution = await waitForEnd(local.sfn, executionArn, deadlineMs);
    const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
    results.workerDies = { runningMs, deadlineMs, emails: emails.map((email) => email.subject) };

    expect(emails.map((email) => email.subject)).toEqual(['Reminder 1 of 1: approval needed for Dana']);
    expect(requestNameOf(emails[0] as StoredEmail)).toBe(name);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Expired');
    // Two intervals of 3 s (the dropped task's, then the reminder's), each started when a worker took the task.
    expect(runningMs).toBeGreaterThanOrEqual(attempts * REMINDER_INTERVAL_SECONDS * 1000 - 100);
    expect(runningMs).toBeLessThanOrEqual(deadlineMs);
    const history = await historyOf(local.sfn, executionArn);
    expect(countEvents(history, 'ActivityScheduled')).toBe(2);
    expect(countEvents(history, 'ActivityTimedOut')).toBe(2);

    // The dead worker's token and the reminder's link are closed now.
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: droppedToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    const late = await open(linksOf(emails[0] as StoredEmail).approve);
    expect(late).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
    expect(await waitForEmails(local.stack, manager)).toHaveLength(1);
    expect(await executionNames(local.sfn, local.stack, 'RUNNING')).toEqual([]);
  });
});

describe('2. SES refuses every email for a while', () => {
  // A long reminder interval: any second email for a request would be a duplicate, not a reminder.
  const local = useFaultStack(
    'ses-faults',
    { deliveryRetryIntervalSeconds: 1, deliveryRetryAttempts: 5, reminderIntervalSeconds: 3600 },
    { beforeClose: (stack) => stack.ses.setFault(undefined) },
  );

  it.each<SesFault>(['unavailable', 'throttled'])(
    '%s: every request gets exactly one working email once SES is back, none lost',
    async (fault) => {
      const REQUESTS = 10;
      const names = Array.from({ length: REQUESTS }, (_, i) => `ses-${fault}-${i}-${process.pid}`);
      const managers = names.map((name) => `${name}@example.com`);

      local.stack.ses.setFault(fault);
      const faultStarted = performance.now();
      const arns = await Promise.all(
        names.map((name, i) => startNamed(local.sfn, local.stack, name, { managerEmailAddress: managers[i], employeeName: `Req ${i}` })),
      );

      // SES refuses until the worker has failed several deliveries and the state machine's
      // redelivery has brought at least one request back to the worker, which failed it again. (After
      // a few failures in a row a worker run leaves the other tasks queued rather than fail them too.)
      const duringFault = await waitUntil(
        'failed deliveries and a failed redelivery',
        async () => {
          const histories = await Promise.all(arns.map((arn) => historyOf(local.sfn, arn)));
          const failures = histories.map((history) => countEvents(history, 'ActivityFailed'));
          return failures.filter((n) => n >= 1).length >= 3 && failures.some((n) => n >= 2) ? failures : undefined;
        },
        60_000,
        250,
      );
      const emailedDuringFault = (await emailsOfStack(local.stack)).filter((email) =>
        managers.some((manager) => email.destination.to.includes(manager)),
      );
      local.stack.ses.setFault(undefined);
      const faultCleared = performance.now();

      const byRequest = await waitUntil(
        'an email for every request',
        async () => {
          const grouped = emailsByRequest(await emailsOfStack(local.stack));
          return names.every((name) => grouped.has(name)) ? grouped : undefined;
        },
        45_000,
        250,
      );
      const allEmailed = performance.now();

      const pages = await Promise.all(names.map((name) => open(linksOf((byRequest.get(name) ?? [])[0] as StoredEmail).approve)));
      const executions = await Promise.all(arns.map((arn) => waitForEnd(local.sfn, arn, 20_000)));
      // Every execution is closed: no email can come for them any more, so these counts are final.
      const finalByRequest = emailsByRequest(await emailsOfStack(local.stack));
      const histories = await Promise.all(arns.map((arn) => historyOf(local.sfn, arn)));
      const failedDeliveries = histories.map((history) => countEvents(history, 'ActivityFailed'));
      results[`ses-${fault}`] = {
        requests: REQUESTS,
        faultMs: Math.round(faultCleared - faultStarted),
        failedDeliveriesPerRequestWhenCleared: duringFault,
        failedDeliveriesPerRequest: failedDeliveries,
        msFromClearedToAllEmailed: Math.round(allEmailed - faultCleared),
      };

      expect(emailedDuringFault).toEqual([]);
      expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': REQUESTS });
      expect(tally(executions.map((execution) => execution.status ?? '?'))).toEqual({ SUCCEEDED: REQUESTS });
      expect(names.map((name) => finalByRequest.get(name)?.length ?? 0)).toEqual(names.map(() => 1));
      expect(failedDeliveries.filter((n) => n >= 1).length >= 3 && failedDeliveries.some((n) => n >= 2)).toBe(true);
      // Every email this stack sent to these managers: one each, each for its own request.
      const toTheseManagers = (await emailsOfStack(local.stack)).filter((email) =>
        managers.some((manager) => email.destination.to.includes(manager)),
      );
      expect(toTheseManagers.map((email) => `${email.destination.to.join(',')} ${requestNameOf(email)}`).sort()).toEqual(
        names.map((name) => `${name}@example.com ${name}`).sort(),
      );
      histories.forEach((history, i) => {
        // Each failed delivery was answered with a new task (the state machine's redelivery), until one email went out.
        expect({ name: names[i], scheduled: countEvents(history, 'ActivityScheduled') }).toEqual({
          name: names[i],
          scheduled: (failedDeliveries[i] ?? 0) + 1,
        });
        expect(countEvents(history, 'ActivitySucceeded')).toBe(1);
      });
    },
  );

  it('rejected: SES refusal ends the request at once with EmailDeliveryRefused, no retries, no email', async () => {
    const manager = uniqueManager('refused');
    local.stack.ses.setFault('rejected');
    const { executionArn, execution } = await (async () => {
      try {
        const arn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Rex' });
        return { executionArn: arn, execution: await waitForEnd(local.sfn, arn, 10_000) };
      } finally {
        local.stack.ses.setFault(undefined);
      }
    })();
    const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
    const history = await historyOf(local.sfn, executionArn);
    results.sesRejected = { runningMs, error: execution.error, cause: execution.cause };

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('EmailDeliveryRefused');
    expect(execution.cause).toBe('SES refused the email: MessageRejected: Email rejected (fault injected by the local mode).');
    expect(runningMs).toBeLessThan(3_000);
    expect(countEvents(history, 'ActivityScheduled')).toBe(1);
    expect(countEvents(history, 'ActivityFailed')).toBe(1);
    expect((await fetchStoredEmails(local.stack.sesUrl)).filter((email) => email.destination.to.includes(manager))).toEqual([]);
  });
});

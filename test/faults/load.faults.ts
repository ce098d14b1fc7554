import { performance } from 'node:perf_hooks';
import type { ExecutionClosedEvent } from '../../local/step-functions/engine';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses/stored-emails';
import { linksOf, open } from '../support/local-flow';
import {
  emailsByRequest,
  emailsOfStack,
  executionNames,
  mapWithConcurrency,
  startNamed,
  tally,
  useFaultStack,
  waitUntil,
} from './fault-harness';
import { results } from './suite-collector';

// Load: many requests at once on one stack. Part of the fault suite: run through local-stack-faults.test.ts.

describe('6. load: 500 requests at once', () => {
  const REQUESTS = 500;
  const local = useFaultStack('load');

  it("a new stack's inbox is its own: /store lists none of the emails other stacks sent", async () => {
    const foreign = (await fetchStoredEmails(local.stack.sesUrl)).filter(
      (email) => !linksOf(email).approve.startsWith(`${local.stack.apiUrl}/`),
    );
    results.foreignEmailsInNewStackInbox = foreign.length;

    expect(foreign.map((email) => `${email.subject} (links to ${new URL(linksOf(email).approve).host})`)).toEqual([]);
  });

  it('each of 500 concurrent requests gets exactly one email, and 500 clicks all SUCCEED', async () => {
    const names = Array.from({ length: REQUESTS }, (_, i) => `load-${String(i).padStart(3, '0')}-${process.pid}`);
    const managerOf = new Map(names.map((name) => [name, `${name}@example.com`]));
    const closed = new Map<string, string>();
    const onClosed = (event: ExecutionClosedEvent): void => {
      closed.set(event.executionArn, event.status);
    };
    local.stack.stepFunctions.engine.on('executionClosed', onClosed);
    try {
      const started = performance.now();
      const arns = await Promise.all(
        names.map((name, i) =>
          startNamed(local.sfn, local.stack, name, { managerEmailAddress: managerOf.get(name), employeeName: `Load ${i}` }),
        ),
      );
      const allStarted = performance.now();
      const byRequest = await waitUntil(
        `${REQUESTS} emails`,
        async () => {
          const grouped = emailsByRequest(await emailsOfStack(local.stack));
          return names.every((name) => grouped.has(name)) ? grouped : undefined;
        },
        90_000,
        250,
      );
      const allEmailed = performance.now();

      const firstClick = performance.now();
      const pages = await mapWithConcurrency(names, 50, (name) => open(linksOf((byRequest.get(name) ?? [])[0] as StoredEmail).approve));
      const allClicked = performance.now();
      await waitUntil(`${REQUESTS} executions closed`, () => (arns.every((arn) => closed.has(arn)) ? true : undefined), 60_000, 20);
      const allClosed = performance.now();

      const finalByRequest = emailsByRequest(await emailsOfStack(local.stack));
      const numbers = {
        requests: REQUESTS,
        msStartExecutionCalls: Math.round(allStarted - started),
        msFirstStartToAllEmailsStored: Math.round(allEmailed - started),
        msClicks: Math.round(allClicked - firstClick),
        msFirstClickToAllClosed: Math.round(allClosed - firstClick),
      };
      results.load = numbers;
      console.log(`load: ${JSON.stringify(numbers)}`);

      const lost = names.filter((name) => !finalByRequest.has(name));
      const duplicated = names.filter((name) => (finalByRequest.get(name)?.length ?? 0) > 1);
      const misaddressed = names.filter((name) => finalByRequest.get(name)?.[0]?.destination.to.join(',') !== managerOf.get(name));
      expect({ lost, duplicated, misaddressed }).toEqual({ lost: [], duplicated: [], misaddressed: [] });
      expect(finalByRequest.size).toBe(REQUESTS);
      expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': REQUESTS });
      expect(tally(arns.map((arn) => closed.get(arn) ?? 'RUNNING'))).toEqual({ SUCCEEDED: REQUESTS });
      expect((await executionNames(local.sfn, local.stack, 'SUCCEEDED')).sort()).toEqual(names);
      expect(await executionNames(local.sfn, local.stack, 'RUNNING')).toEqual([]);
    } finally {
      local.stack.stepFunctions.engine.off('executionClosed', onClosed);
    }
  });
});

import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { getStoreReadonly } from 'aws-ses-v2-local/dist/store';
import fc from 'fast-check';
import type { StoredEmail } from '../../../local/ses/stored-emails';
import { linksOf, open, type Page, startApproval, waitForEnd } from '../local-flow';
import { propertyParameters, propertyRuns, propertyTimeoutMs, type PropertySuite } from '../property-runs';
import type { LocalStackUnderTest } from '../use-local-stack';

/**
 * Property: whatever approvers click, in any order, repeated, at the same time, with either link of
 * their email, a request ends with exactly one decision, and each click's page says what that
 * click did: the click that decided (or, under "all", counted) gets the decided page, every click on
 * a link that was closed by then gets 410 "no longer open". Runs on a local stack; a case is a
 * batch of requests handled at the same time.
 *
 * The decision record names the user agent of the click it came from, and each click sends a user
 * agent of its own, so the outcome can be traced to exactly one click.
 */

export const NO_LONGER_OPEN = 'This request is no longer open';
/** Requests handled at once in one case of the property. */
const BATCH = 8;
/** Context for the stack under test: emails go out as fast as the worker can send them. */
export const CLICK_STACK_CONTEXT = { maxSendRate: 1000, workerMaxConcurrency: 4 } as const;

type Decision = 'approve' | 'reject';

interface Click {
  /** Index into the request's approvers (taken modulo their number). */
  readonly approver: number;
  readonly decision: Decision;
}

export interface ClickScenario {
  readonly form: 'seed' | 'general';
  readonly approvers: number;
  readonly policy: 'any' | 'all' | undefined;
  readonly subject: string;
  /** Clicks of one wave are sent at the same time; a wave starts when the one before has its pages. */
  readonly waves: readonly (readonly Click[])[];
}

const click = fc.record({ approver: fc.nat({ max: 9 }), decision: fc.constantFrom<Decision>('approve', 'reject') });

export const clickScenario: fc.Arbitrary<ClickScenario> = fc.oneof(
  fc.record({
    form: fc.constant('seed' as const),
    approvers: fc.constant(1),
    policy: fc.constant(undefined),
    subject: fc.constantFrom('Jim', 'Zoë <b>O’Brien</b> & "Co"', '日本 😀'),
    waves: fc.array(fc.array(click, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
  }),
  fc.record({
    form: fc.constant('general' as const),
    approvers: fc.integer({ min: 1, max: 4 }),
    policy: fc.constantFrom<'any' | 'all' | undefined>('any', 'all', undefined),
    subject: fc.constantFrom('Deploy release 42', 'Refund <order> #7 & "more"', 'Grant admin to Eve — 😀'),
    waves: fc.array(fc.array(click, { minLength: 1, maxLength: 5 }), { maxLength: 4 }),
  }),
);

/** What one click got back. */
interface ClickResult {
  readonly wave: number;
  readonly approver: number;
  readonly decision: Decision;
  readonly userAgent: string;
  readonly status: number;
  readonly title: string | undefined;
}

export type LinkMode = 'direct' | 'confirm';

/** Submits the confirmation form as a browser does: the token from the page, a comment. */
async function confirmAndSubmit(link: string, headers: Record<string, string>): Promise<Page> {
  const confirmation = await open(link, { headers });
  if (confirmation.status !== 200) return confirmation;
  const action = /<form method="post" action="([^"]+)">/.exec(confirmation.body)?.[1];
  const token = /name="taskToken" value="([^"]*)"/.exec(confirmation.body)?.[1];
  if (action === undefined || token === undefined) throw new Error(`no confirmation form on the page for ${new URL(link).pathname}`);
  return open(new URL(action, link).toString(), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ taskToken: token.replaceAll('&amp;', '&'), comment: 'Checked.' }).toString(),
  });
}

/**
 * The inbox, read where aws-ses-v2-local keeps it, in this process (the local stack's SES runs in
 * it): `GET /store` lists every email the process stored on each call, which grows with each of the
 * thousands of requests here. Each email is looked at once; addresses are unique to one request.
 */
class Inbox {
  private readonly waiting = new Map<string, (email: StoredEmail) => void>();
  private scanned = 0;
  private timer: NodeJS.Timeout | undefined;

  emailTo(address: string, timeoutMs = 30_000): Promise<StoredEmail> {
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => {
        this.waiting.delete(address);
        reject(new Error(`No email to ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(address, (email) => {
        clearTimeout(timeout);
        resolve(email);
      });
      this.timer ??= setInterval(() => this.scan(), 20);
    });
  }

  private scan(): void {
    const { emails } = getStoreReadonly();
    // The store was cleared: start again from its beginning.
    if (emails.length < this.scanned) this.scanned = 0;
    for (; this.scanned < emails.length; this.scanned++) {
      const email = emails[this.scanned] as StoredEmail;
      for (const to of email.destination.to) {
        const deliver = this.waiting.get(to);
        this.waiting.delete(to);
        deliver?.(email);
      }
    }
    if (this.waiting.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const inbox = new Inbox();

let requests = 0;

/** The outcome of one request and what each of its clicks got. */
interface ScenarioRun {
  readonly approvers: readonly string[];
  readonly policy: 'any' | 'all';
  readonly clicks: readonly ClickResult[];
  readonly execution: DescribeExecutionCommandOutput;
}

/** The accepted clicks so far decide the request: under "any" one does, under "all" a rejection or everyone's approval. */
function decided(policy: 'any' | 'all', approvers: number, accepted: readonly ClickResult[]): boolean {
  if (policy === 'any') return accepted.length > 0;
  return accepted.some((result) => result.decision === 'reject') || new Set(accepted.map((result) => result.approver)).size === approvers;
}

async function runScenario(local: LocalStackUnderTest, scenario: ClickScenario, mode: LinkMode): Promise<ScenarioRun> {
  requests += 1;
  const id = `${process.pid}-${requests}`;
  const approvers = Array.from({ length: scenario.approvers }, (_, i) => `click-${id}-${i}@example.com`);
  const policy = scenario.policy ?? 'any';
  const input =
    scenario.form === 'seed'
      ? { managerEmailAddress: approvers[0], employeeName: scenario.subject }
      : { approvers, subject: scenario.subject, ...(scenario.policy === undefined ? {} : { policy: scenario.policy }) };
  const executionArn = await startApproval(local.sfn, local.stack, input);
  const links = await Promise.all(approvers.map(async (address) => linksOf(await inbox.emailTo(address))));

  const clicks: ClickResult[] = [];
  const accepted = (): ClickResult[] => clicks.filter((result) => result.status === 200);
  let sent = 0;
  const send = async (wave: number, { approver, decision }: Click): Promise<ClickResult> => {
    const index = approver % approvers.length;
    sent += 1;
    const userAgent = `property-click/${id}/${sent}`;
    const link = decision === 'approve' ? (links[index]?.approve ?? '') : (links[index]?.reject ?? '');
    const headers = { 'user-agent': userAgent };
    const page = mode === 'direct' ? await open(link, { headers }) : await confirmAndSubmit(link, headers);
    return { wave, approver: index, decision, userAgent, status: page.status, title: page.title };
  };

  const waves = [...scenario.waves];
  for (let wave = 0; ; wave++) {
    if (decided(policy, approvers.length, accepted())) {
      // Once decided, wait for the end: every later click must then find its link closed.
      await waitForEnd(local.sfn, executionArn, 30_000);
    }
    let next = waves[wave];
    if (next === undefined) {
      if (decided(policy, approvers.length, accepted())) break;
      // Not decided by the clicks drawn: the approvers still open approve, and that decides.
      const undecided = approvers.map((_, index) => index).filter((index) => !accepted().some((result) => result.approver === index));
      next = (policy === 'any' ? undecided.slice(0, 1) : undecided).map((index) => ({ approver: index, decision: 'approve' as const }));
      waves.push(next);
    }
    clicks.push(...(await Promise.all(next.map((each) => send(wave, each)))));
  }
  return { approvers, policy, clicks, execution: await waitForEnd(local.sfn, executionArn, 30_000) };
}

/** Everything about the run that contradicts "exactly one decision, and each page says what its click did". */
function problemsOf(run: ScenarioRun): string[] {
  const problems: string[] = [];
  const { clicks, policy, approvers, execution } = run;
  const describe = (result: ClickResult) =>
    `wave ${result.wave}: approver ${result.approver} ${result.decision} got ${result.status} ${result.title}`;

  for (const result of clicks) {
    const expectedTitle = result.status === 200 ? (result.decision === 'approve' ? 'Approved' : 'Rejected') : NO_LONGER_OPEN;
    if ((result.status !== 200 && result.status !== 410) || result.title !== expectedTitle)
      problems.push(`a page that does not match: ${describe(result)}`);
  }
  const accepted = clicks.filter((result) => result.status === 200);
  for (let index = 0; index < approvers.length; index++) {
    const own = accepted.filter((result) => result.approver === index);
    // Both links of an email carry one task token, which decides once.
    if (own.length > 1) problems.push(`approver ${index}'s task was accepted ${own.length} times: ${own.map(describe).join('; ')}`);
    const first = own[0];
    for (const later of clicks.filter((result) => result.approver === index && first !== undefined && result.wave > first.wave)) {
      if (later.status !== 410) problems.push(`a click after approver ${index}'s own decision was not refused: ${describe(later)}`);
    }
  }
  const lastWave = Math.max(-1, ...clicks.map((result) => result.wave));
  let decidingWave = -1;
  for (let wave = 0; wave <= lastWave && decidingWave < 0; wave++) {
    if (
      decided(
        policy,
        approvers.length,
        accepted.filter((result) => result.wave <= wave),
      )
    )
      decidingWave = wave;
  }
  if (decidingWave < 0) problems.push('no click decided the request');
  for (const late of clicks.filter((result) => result.wave > decidingWave && decidingWave >= 0)) {
    if (late.status !== 410) problems.push(`a click after the request had ended was not refused: ${describe(late)}`);
  }

  const byUserAgent = (record: Record<string, unknown>): ClickResult | undefined =>
    clicks.find((result) => result.userAgent === record.userAgent);
  const matches = (record: Record<string, unknown>, decision: Decision): ClickResult | undefined => {
    const source = byUserAgent(record);
    if (source === undefined) {
      problems.push(`a decision record from no click of this request: ${JSON.stringify(record)}`);
      return undefined;
    }
    if (source.status !== 200 || source.decision !== decision || record.approver !== approvers[source.approver]) {
      problems.push(`the decision record ${JSON.stringify(record)} does not match its click: ${describe(source)}`);
    }
    if (record.decision !== (decision === 'approve' ? 'approved' : 'rejected'))
      problems.push(`a record that says ${String(record.decision)}`);
    return source;
  };
  const acceptedRejection = accepted.filter((result) => result.wave <= decidingWave).some((result) => result.decision === 'reject');
  const output = JSON.parse(execution.output ?? '{}') as {
    approval?: { decision?: Record<string, unknown>; decisions?: Array<Record<string, unknown>> };
  };
  if (execution.status === 'SUCCEEDED' && policy === 'any') {
    const source = matches(output.approval?.decision ?? {}, 'approve');
    if (source !== undefined && source.wave !== decidingWave) problems.push(`approved by a click that came too late: ${describe(source)}`);
  } else if (execution.status === 'SUCCEEDED') {
    if (acceptedRejection) problems.push('approved under "all" although a rejection was accepted first');
    const records = output.approval?.decisions ?? [];
    if (records.length !== approvers.length) problems.push(`${records.length} approvals recorded for ${approvers.length} approvers`);
    records.forEach((record, index) => {
      const source = matches(record, 'approve');
      if (source !== undefined && source.approver !== index)
        problems.push(`approvals out of order: record ${index} is approver ${source.approver}'s`);
    });
  } else if (execution.status === 'FAILED' && execution.error === 'Rejected') {
    const source = matches(JSON.parse(execution.cause ?? '{}') as Record<string, unknown>, 'reject');
    if (source !== undefined && source.wave !== decidingWave) problems.push(`rejected by a click that came too late: ${describe(source)}`);
    if (policy === 'any' && !acceptedRejection) problems.push('rejected although no rejection decided');
  } else {
    problems.push(`the request ended ${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''}`);
  }
  return problems;
}

/**
 * Counts over every request the property ran, for the fault suite's results. `concurrentlyAcceptedUnderAny`
 * counts requests under "any" where two approvers' clicks sent at the same time were both accepted:
 * the window README "Requests and policies" describes on AWS.
 */
export const clickStatistics = { requests: 0, clicks: 0, accepted: 0, refused: 0, concurrentlyAcceptedUnderAny: 0 };

/**
 * Declares the click-sequence property for one suite on `local`, a stack started with
 * CLICK_STACK_CONTEXT (and `linkMode` for confirm mode).
 */
export function describeClickSequenceProperties(suite: PropertySuite, local: LocalStackUnderTest, mode: LinkMode): void {
  const runs = Math.max(1, Math.round(propertyRuns('clickSequences', suite) / (mode === 'confirm' ? 2 : 1)));
  it(
    `${runs * BATCH} requests (${mode} links), ${BATCH} at a time, with random clicks: one decision each, and every page says what its click did`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(clickScenario, { minLength: BATCH, maxLength: BATCH }), async (scenarios) => {
          const outcomes = await Promise.all(scenarios.map((scenario) => runScenario(local, scenario, mode)));
          outcomes.forEach((run) => {
            clickStatistics.requests += 1;
            clickStatistics.clicks += run.clicks.length;
            clickStatistics.accepted += run.clicks.filter((result) => result.status === 200).length;
            clickStatistics.refused += run.clicks.filter((result) => result.status === 410).length;
            if (run.policy === 'any') {
              const acceptedWaves = run.clicks.filter((result) => result.status === 200).map((result) => result.wave);
              if (acceptedWaves.length > 1) clickStatistics.concurrentlyAcceptedUnderAny += 1;
            }
          });
          const problems = outcomes.flatMap((run, index) =>
            problemsOf(run).map((problem) => `request ${index} (${JSON.stringify(scenarios[index])}): ${problem}`),
          );
          expect(problems).toEqual([]);
        }),
        { ...propertyParameters('clickSequences', suite), numRuns: runs },
      );
    },
    propertyTimeoutMs('clickSequences', suite),
  );
}

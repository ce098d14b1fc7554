#!/usr/bin/env node
/**
 * Real-AWS integration test of the deployed stack, for @aws-cdk/integ-runner (see
 * test/integ/run-integ.ts and the README: `npm run test:aws`, `npm run test:integ-snapshot`).
 *
 * Deploys HumanApprovalInteg (the product, as `cdk deploy` builds it), HumanApprovalIntegConfirm
 * (the same with linkMode=confirm) and HumanApprovalIntegProbe (a Lambda that drives both), then
 * asserts on what the probe saw:
 * - clicks: Approve and Reject links with real task tokens, a second click, two damaged links;
 * - any: two approvers, one approves, the other's link is closed, no task is left on the activity;
 * - all: two approvers, both approve, one decision record each in the order of approvers;
 * - confirm: the confirmation page (no text a link's holder can add), a damaged link, the form's
 *   POST with a comment that lands in the decision record;
 * - clock: a task taken later than its TimeoutSeconds is not timed out, and times out that long
 *   after it was taken: the timeout clock starts at pick-up;
 * - delivery: the real worker takes a request and SES (mailbox simulator) accepts the email.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DISABLE_CREATION_STACK_TRACES, DISABLE_METADATA_STACK_TRACE } from 'aws-cdk-lib/cx-api';
import { ApprovalError } from '../../functions/commons/approval-errors';
import { readApprovalConfig } from '../../infra/approval-config';
import { Pages } from '../../infra/approval-pages';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { ApprovalProbeStack } from './approval-probe-stack';
import { ACTIVITY_CLOCK, AFTER_DECISION_POLL, OWN_TIMEOUT_AFTER_INTERVAL, type ProbeEvent, type ProbeScenario } from './probe/summary';

/** Sender in the snapshot; a real run takes a verified SES identity from APPROVAL_INTEG_SENDER_EMAIL. */
const PLACEHOLDER_SENDER = 'approvals@example.com';

// integ-runner synthesizes snapshots with CDK_INTEG_* variables set (a placeholder account and
// region) and deploys without them; so the snapshot never holds the tester's own settings.
const synthesizingSnapshot = process.env.CDK_INTEG_ACCOUNT !== undefined;
const deployedSetting = (name: string): string | undefined => (synthesizingSnapshot ? undefined : process.env[name]?.trim() || undefined);

// The product's own context (feature flags and settings) from cdk.json, over integ-runner's
// defaults, so the stack under test is the one `cdk deploy` builds. No stack traces in the
// metadata: they hold this machine's paths, and the snapshot is committed.
const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
const app = new App({
  postCliContext: { ...cdkJson.context, [DISABLE_CREATION_STACK_TRACES]: true, [DISABLE_METADATA_STACK_TRACE]: true },
});

const overrides: Record<string, unknown> = {
  senderEmail: deployedSetting('APPROVAL_INTEG_SENDER_EMAIL') ?? PLACEHOLDER_SENDER,
  // Set by `npm run test:aws`: false when the account already has API Gateway's logging role.
  createApiGatewayAccountRole: deployedSetting('APPROVAL_INTEG_CREATE_API_GATEWAY_ACCOUNT_ROLE'),
};
const config = readApprovalConfig((key) => overrides[key] ?? app.node.tryGetContext(key));

const product = new HumanApprovalStack(app, 'HumanApprovalInteg', {
  description: 'Human approval step for AWS Step Functions: integ test deployment (destroyed after the test)',
  config,
});
/**
 * The confirm-mode stack's reminderIntervalSeconds: the approval task's TimeoutSeconds
 * (statemachine/approval.asl.json, ManualApproval). The clock scenario leaves a task untaken for
 * this plus 10 s, then waits for the taken task's own timeout: 2 x 30 + 10 s and a few seconds of
 * calls, about 73 s of the assertion's 120 (45 s would need about 105, too close). The confirm
 * scenario takes its task and posts its decision within about 10 s, well inside 30.
 */
const CONFIRM_REMINDER_INTERVAL_SECONDS = 30;

// The same product with confirmation pages. The account role is the first stack's (or the
// account's own) concern: there is one per account and region, and this stack deploys after it.
// reminderCount 1: a timeout brings a reminder (attempt 2, which the clock scenario would take if
// the clock ran before pick-up), never the request's expiry within a scenario; the worker is held
// off in both scenarios, so no reminder email goes out. The execution's own timeout
// (executionTimeoutSeconds in infra/approval-config.ts) stays above an hour whatever the interval.
const confirmProduct = new HumanApprovalStack(app, 'HumanApprovalIntegConfirm', {
  description: 'Human approval step for AWS Step Functions, confirm link mode: integ test deployment (destroyed after the test)',
  config: {
    ...config,
    linkMode: 'confirm',
    createApiGatewayAccountRole: false,
    reminderIntervalSeconds: CONFIRM_REMINDER_INTERVAL_SECONDS,
    reminderCount: 1,
  },
});
confirmProduct.addDependency(product, "API Gateway's account role must be set before this stack's stage writes access logs");
const probeStack = new ApprovalProbeStack(app, 'HumanApprovalIntegProbe', {
  description: 'Integ test probe of the human approval step (destroyed after the test)',
  product,
  confirmProduct,
});

const integ = new IntegTest(app, 'HumanApprovalIntegTest', {
  testCases: [product, confirmProduct, probeStack],
  // The probe's and the worker's code are part of what the snapshot records (bundling is deterministic).
  diffAssets: true,
  // Each run deploys afresh. The update workflow would first deploy the committed snapshot (checked
  // out of git by integ-runner) and then update it, doubling the run for a stack nobody updates.
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

const runProbe = (scenario: ProbeScenario) =>
  integ.assertions.invokeFunction({
    functionName: probeStack.probe.functionName,
    payload: JSON.stringify({ scenario } satisfies ProbeEvent),
    logRetention: logs.RetentionDays.ONE_DAY,
  });

/** Title of confirm mode's page for an Approve link (renderConfirmPage in infra/approval-pages.ts). */
const CONFIRM_APPROVE_TITLE = 'Approve this request?';

/** A click's answer as the probe reports it: status and page title (infra/approval-pages.ts). */
const page = (status: number, title: string): string => `${status} ${title}`;

/**
 * A decision record as the probe describes it: the decision, $context.requestTime as API Gateway
 * formats it (21/Nov/2026:10:00:00 +0000), the probe's own User-Agent, and the request's source
 * IP and id (infra/approval-api-templates.ts), nothing else.
 */
const decisionRecord = (decision: 'approved' | 'rejected', more = '') =>
  Match.stringLikeRegexp(
    `^${decision} at \\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4} by the probe, with sourceIp and requestId, approver as asked${more}$`,
  );

/** The worker held off for the scenario and given back, and nothing left running. */
const heldOff = { workerHeldOff: true, workerRestored: true, stopped: 0 } as const;

// The Lambda Invoke answer carries the function's result as a JSON string in Payload.
const clicks = runProbe('clicks').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      workerHeldOff: true,
      approve: {
        click: page(200, Pages.approved.title),
        execution: 'SUCCEEDED',
        record: decisionRecord('approved'),
        secondClick: page(410, Pages.noLongerOpen.title),
      },
      reject: {
        alteredLink: page(400, Pages.invalidLink.title),
        truncatedLink: page(400, Pages.invalidLink.title),
        afterDamagedLinks: 'RUNNING',
        click: page(200, Pages.rejected.title),
        execution: `FAILED ${ApprovalError.Rejected}`,
        record: decisionRecord('rejected'),
      },
      workerRestored: true,
      stopped: 0,
    }),
  }),
);

// About 70 s of the assertion provider's 120 (integ-tests' AssertionsProvider function times out
// after 2 minutes): the poll after the decision takes its full 60 seconds.
const anyPolicy = runProbe('any').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      ...heldOff,
      click: page(200, Pages.approved.title),
      execution: 'SUCCEEDED',
      record: decisionRecord('approved'),
      otherApproverLink: page(410, Pages.noLongerOpen.title),
      afterDecisionPoll: AFTER_DECISION_POLL.none,
    }),
  }),
);

const allPolicy = runProbe('all').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      ...heldOff,
      secondApproverClick: page(200, Pages.approved.title),
      afterOneApproval: 'RUNNING',
      firstApproverClick: page(200, Pages.approved.title),
      execution: 'SUCCEEDED',
      records: [decisionRecord('approved'), decisionRecord('approved')],
    }),
  }),
);

// On the confirm-mode stack: its own activity and worker, so it runs beside the others.
const confirm = runProbe('confirm').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      ...heldOff,
      page: page(200, CONFIRM_APPROVE_TITLE),
      forgedSubject: 'absent',
      form: "carries the link's token",
      alteredLink: page(400, Pages.invalidLink.title),
      afterPages: 'RUNNING',
      click: page(200, Pages.approved.title),
      execution: 'SUCCEEDED',
      record: decisionRecord('approved', ', comment as sent'),
      reopened: page(410, Pages.noLongerOpen.title),
    }),
  }),
);

// A task taken later than its TimeoutSeconds still gets the whole interval from pick-up, as the
// "Troubleshooting activities" page of the Step Functions Developer Guide says and the emails'
// "the link works until" assumes. About 73 s (CONFIRM_REMINDER_INTERVAL_SECONDS).
const clock = runProbe('clock').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      ...heldOff,
      activityClock: ACTIVITY_CLOCK.atPickUp,
      ownTimeout: OWN_TIMEOUT_AFTER_INTERVAL,
    }),
  }),
);

const delivery = runProbe('delivery').expect(
  ExpectedResult.objectLike({
    Payload: Match.serializedJson({
      takenBy: 'worker',
      failure: 'none',
      lastEvent: 'ActivityStarted',
      statusAfterWorker: 'RUNNING',
      stopped: true,
    }),
  }),
);

// One scenario at a time on the direct-mode stack, which they share. Delivery last, as the worker
// has not run before it: a worker instance still polling after a delivery could take the probe's
// task before the probe does.
clicks.next(anyPolicy).next(allPolicy).next(delivery);
// The confirm-mode stack's two scenarios, one after the other: both take the tasks of its activity.
confirm.next(clock);

app.synth();

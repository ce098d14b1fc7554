#!/usr/bin/env node
/**
 * Real-AWS integration test of the deployed stack, for @aws-cdk/integ-runner (see
 * test/integ/run-integ.ts and the README: `npm run test:aws`, `npm run test:integ-snapshot`).
 *
 * Deploys HumanApprovalInteg (the product, as `cdk deploy` builds it) and HumanApprovalIntegProbe
 * (a Lambda that drives it), then asserts on what the probe saw:
 * - clicks: Approve and Reject links with real task tokens, a second click, two damaged links;
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
import type { ProbeEvent, ProbeScenario } from './probe/summary';

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
const probeStack = new ApprovalProbeStack(app, 'HumanApprovalIntegProbe', {
  description: 'Integ test probe of the human approval step (destroyed after the test)',
  product,
});

const integ = new IntegTest(app, 'HumanApprovalIntegTest', {
  testCases: [product, probeStack],
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

/** A click's answer as the probe reports it: status and page title (infra/approval-pages.ts). */
const page = (status: number, title: string): string => `${status} ${title}`;

/**
 * A decision record as the probe describes it: the decision, $context.requestTime as API Gateway
 * formats it (21/Nov/2026:10:00:00 +0000), the probe's own User-Agent, and the request's source
 * IP and id (infra/approval-api-templates.ts), nothing else.
 */
const decisionRecord = (decision: 'approved' | 'rejected') =>
  Match.stringLikeRegexp(
    `^${decision} at \\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4} by the probe, with sourceIp and requestId, approver as asked$`,
  );

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

// Clicks first, on a worker that has not run yet: a worker instance still polling after a
// delivery could take the probe's task before the probe does.
clicks.next(delivery);

app.synth();

#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ApprovalConfigError, readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { ReleaseWorkflow } from './release-workflow';

/**
 * The app `npm start` serves locally (`approval local --app "node --require tsx/cjs examples/release-workflow/local-app.ts"`):
 * the approval stack exactly as infra/app.ts deploys it, with the example release workflow inside
 * it, which calls the approval state machine with startExecution.waitForTaskToken. A deployment of
 * infra/app.ts has no such part.
 */

/**
 * The Slack secret of the local deployment: the local stack serves a Secrets Manager stand-in that
 * holds it, filled with the Slack stand-in's bot token and signing secret, so Slack works locally
 * with no setup. `-c slackSecretName=...` names another; `-c slackSecretName=` (empty) turns Slack off.
 */
export const LOCAL_SLACK_SECRET_NAME = 'approval-local/slack-app';

/** Construct id of the example release workflow inside the approval stack. */
export const RELEASE_WORKFLOW_ID = 'ReleaseWorkflow';

/** Adds the approval stack, with the release workflow inside, to `app`, configured by the app's context (cdk.json and -c). */
export function addLocalDevelopmentStack(app: App): HumanApprovalStack {
  const config = readApprovalConfig(
    (key) => app.node.tryGetContext(key) ?? (key === 'slackSecretName' ? LOCAL_SLACK_SECRET_NAME : undefined),
  );
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new HumanApprovalStack(app, stackName, { config });
  new ReleaseWorkflow(stack, RELEASE_WORKFLOW_ID, { approval: stack.approval });
  return stack;
}

if (require.main === module) {
  // Run by the CLI as the cdk CLI runs an app: CDK_OUTDIR and CDK_CONTEXT_JSON say where and with what.
  const app = new App();
  try {
    addLocalDevelopmentStack(app);
  } catch (error) {
    if (!(error instanceof ApprovalConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  app.synth();
}

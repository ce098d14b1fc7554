#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../../infra/compliance-checks';
import { ReleaseWorkflowStack } from './release-workflow-stack';

// npx cdk synth --app "npx tsx examples/release-workflow/app.ts" -c senderEmail=approvals@example.com
const app = new App();
addComplianceChecks(app);
const senderEmail = app.node.tryGetContext('senderEmail') as string | undefined;
new ReleaseWorkflowStack(app, 'ReleaseWorkflowExample', {
  description: 'Example: a release workflow that asks two approvers through the HumanApproval construct',
  approval: { senderEmail },
});

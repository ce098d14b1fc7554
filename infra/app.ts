#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ApprovalConfigError, readApprovalConfig } from './approval-config';
import { addComplianceChecks } from './compliance-checks';
import { HumanApprovalStack } from './human-approval-stack';
import { DEFAULT_STACK_NAME } from './stack-name';

const app = new App();
addComplianceChecks(app);
try {
  const config = readApprovalConfig((key) => app.node.tryGetContext(key));
  new HumanApprovalStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME, {
    description: 'Human approval step for AWS Step Functions: emailed Approve / Reject links',
    config,
  });
} catch (error) {
  if (error instanceof ApprovalConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

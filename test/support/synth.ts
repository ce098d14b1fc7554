import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';

/** Synthesizes the stack as `cdk synth` would with this context, and returns its template. */
export function synthApprovalStack(context: Record<string, unknown> = {}): { stack: HumanApprovalStack; template: Template; app: App } {
  const app = new App({ context });
  const config = readApprovalConfig((key) => app.node.tryGetContext(key));
  const stack = new HumanApprovalStack(app, 'HumanApproval', { config });
  return { stack, template: Template.fromStack(stack), app };
}

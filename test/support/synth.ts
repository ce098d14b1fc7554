import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { type ApiModel, buildApiModel } from '../../local/api-gateway/api-model';
import type { CloudFormationTemplate } from '../../local/stack/synthesized-stack';

/** Synthesizes the stack as `cdk synth` would with this context, and returns its template. */
export function synthApprovalStack(context: Record<string, unknown> = {}): { stack: HumanApprovalStack; template: Template; app: App } {
  const app = new App({ context });
  const config = readApprovalConfig((key) => app.node.tryGetContext(key));
  const stack = new HumanApprovalStack(app, DEFAULT_STACK_NAME, { config });
  return { stack, template: Template.fromStack(stack), app };
}

/** The REST API of the stack synthesized with this context, read as the local API Gateway reads it to serve it. */
export function synthApiModel(context: Record<string, unknown> = {}): ApiModel {
  return buildApiModel(synthApprovalStack(context).template.toJSON() as CloudFormationTemplate);
}

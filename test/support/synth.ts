import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { type ApiModel, buildApiModel } from '../../local/api-gateway/api-model';
import type { CloudFormationTemplate } from '../../local/stack/synthesized-stack';
import { cachedTemplate, keepTemplate } from './synth-cache';

/**
 * Synthesizes the stack as `cdk synth` would with this context, and returns its template, stack and
 * app. For a test that needs the construct tree or the assembly (annotations, assets); the template
 * is kept for the run, so that approvalTemplate() need not synthesize this context again.
 */
export function synthApprovalStack(context: Record<string, unknown> = {}): { stack: HumanApprovalStack; template: Template; app: App } {
  const app = new App({ context });
  const config = readApprovalConfig((key) => app.node.tryGetContext(key));
  const stack = new HumanApprovalStack(app, DEFAULT_STACK_NAME, { config });
  const template = Template.fromStack(stack);
  keepTemplate(context, template.toJSON());
  return { stack, template, app };
}

/** The stack's template with this context, synthesized once per test run (see synth-cache.ts). */
export function approvalTemplate(context: Record<string, unknown> = {}): Template {
  const kept = cachedTemplate(context);
  return kept ? Template.fromJSON(kept) : synthApprovalStack(context).template;
}

/** The REST API of the stack synthesized with this context, read as the local API Gateway reads it to serve it. */
export function synthApiModel(context: Record<string, unknown> = {}): ApiModel {
  return buildApiModel((cachedTemplate(context) ?? synthApprovalStack(context).template.toJSON()) as CloudFormationTemplate);
}

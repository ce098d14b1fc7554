import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { HumanApproval, type HumanApprovalProps } from '../../infra/constructs/human-approval';
import { ReleaseWorkflow } from './release-workflow';

export interface ReleaseWorkflowStackProps extends StackProps {
  readonly approval?: HumanApprovalProps;
}

/** A team's own stack: the approval service as a construct, and the release workflow that uses it. */
export class ReleaseWorkflowStack extends Stack {
  public readonly approval: HumanApproval;
  public readonly release: ReleaseWorkflow;

  constructor(scope: Construct, id: string, props: ReleaseWorkflowStackProps = {}) {
    super(scope, id, props);
    this.approval = new HumanApproval(this, 'Approval', props.approval);
    this.release = new ReleaseWorkflow(this, 'Release', { approval: this.approval });
    new CfnOutput(this, 'ReleaseStateMachineArn', { value: this.release.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApprovalStateMachineArn', { value: this.approval.stateMachine.stateMachineArn });
  }
}

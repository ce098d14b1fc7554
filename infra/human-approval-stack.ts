import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ApprovalConfig } from './approval-config';
import { ActivityWorker } from './constructs/activity-worker';
import { ApprovalApi } from './constructs/approval-api';
import { ApprovalMonitoring } from './constructs/approval-monitoring';
import { ApprovalWorkflow } from './constructs/approval-workflow';

export interface HumanApprovalStackProps extends StackProps {
  readonly config: ApprovalConfig;
}

/** The whole service: state machine and activity, emailing worker, and the approval API. */
export class HumanApprovalStack extends Stack {
  public readonly activity: sfn.Activity;
  public readonly workflow: ApprovalWorkflow;
  public readonly worker: ActivityWorker;
  public readonly approvalApi: ApprovalApi;
  public readonly monitoring: ApprovalMonitoring;

  constructor(scope: Construct, id: string, props: HumanApprovalStackProps) {
    super(scope, id, props);
    const { config } = props;
    // One namespace per stack, so two stacks in one account keep their counts apart.
    const metricsNamespace = `HumanApproval/${this.stackName}`;

    this.activity = new sfn.Activity(this, 'ManualApprovalActivity');
    this.approvalApi = new ApprovalApi(this, 'ApprovalApi', {
      activity: this.activity,
      throttlingRateLimit: config.apiThrottlingRateLimit,
      throttlingBurstLimit: config.apiThrottlingBurstLimit,
      createAccountRole: config.createApiGatewayAccountRole,
      linkMode: config.linkMode,
      tracing: config.apiTracing,
    });
    this.worker = new ActivityWorker(this, 'Worker', {
      activity: this.activity,
      approvalApiUrl: this.approvalApi.url,
      senderEmail: config.senderEmail,
      sesConfigurationSet: config.sesConfigurationSet,
      schedule: Duration.minutes(config.workerScheduleMinutes),
      maxConcurrency: config.workerMaxConcurrency,
      reservedConcurrency: config.workerReservedConcurrency,
      maxSendRate: config.maxSendRate,
      metricsNamespace,
    });
    this.workflow = new ApprovalWorkflow(this, 'Workflow', { config, activity: this.activity, worker: this.worker.function });
    this.monitoring = new ApprovalMonitoring(this, 'Monitoring', {
      stateMachine: this.workflow.stateMachine,
      stateMachineLogGroup: this.workflow.logGroup,
      workerFunction: this.worker.function,
      api: this.approvalApi.api,
      metricsNamespace,
      alarmEmail: config.alarmEmail,
      dashboard: config.dashboard,
    });

    new CfnOutput(this, 'ApprovalApiUrl', { value: this.approvalApi.url, description: 'Base URL of the Approve / Reject links' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'ActivityArn', { value: this.activity.activityArn, description: 'The activity the approval task waits on' });
    new CfnOutput(this, 'WorkerFunctionName', {
      value: this.worker.function.functionName,
      description: 'The worker that emails the links',
    });
    new CfnOutput(this, 'WorkerLogGroupName', { value: this.worker.logGroup.logGroupName, description: "The worker's logs" });
    if (this.monitoring.dashboard) {
      new CfnOutput(this, 'DashboardName', {
        value: this.monitoring.dashboard.dashboardName,
        description: 'CloudWatch dashboard with the approval funnel',
      });
    }

    if (config.senderEmail === undefined) {
      // An error annotation stops `cdk synth` and `cdk deploy` (the local mode synthesizes without
      // the CLI and runs on). Without a sender every email would come from the manager's own
      // address, which SES refuses unless each manager is a verified identity, and which fails
      // DMARC at most companies: requests would end as EmailDeliveryRefused.
      Annotations.of(this).addError(
        'senderEmail is not set. A deployed stack sends every email from a verified SES identity: ' +
          'deploy with `-c senderEmail=approvals@yourdomain.example` or set "senderEmail" under "context" in cdk.json, ' +
          'and run `npx approval doctor` to check that SES has verified it. `npm start` needs no setting.',
      );
    }
  }
}

import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { type ApprovalConfig, executionTimeoutSeconds, type LinkMode, readApprovalConfig, type SettingsSource } from '../approval-config';
import { ActivityWorker } from './activity-worker';
import { ApprovalApi } from './approval-api';
import { ApprovalMonitoring } from './approval-monitoring';
import { ApprovalWorkflow } from './approval-workflow';
import { SlackActions } from './slack-actions';
import { SlackMessages } from './slack-messages';

/** The error names an approval ends with, which a parent catches from {@link HumanApproval.approvalDecisionTask}. */
export { ApprovalError, type ApprovalErrorName } from '../../functions/commons/approval-errors';

/**
 * The settings of one human-approval service. Every one is optional; the defaults and ranges are
 * those of APPROVAL_SETTINGS in infra/approval-config.ts (the README's configuration table), and a
 * value out of range throws when the construct is created.
 */
export interface HumanApprovalProps {
  /**
   * Verified SES identity every email comes from. Synthesis for deployment stops with an error
   * without one (`npm start` runs without it).
   * @default none: synthesis reports an error
   */
  readonly senderEmail?: string;
  /**
   * SES configuration set every email is sent with.
   * @default none
   */
  readonly sesConfigurationSet?: string;
  /**
   * Name of the Secrets Manager secret with the Slack app's bot token and signing secret, as JSON
   * `{"botToken": "xoxb-...", "signingSecret": "..."}`. With it, a request's `via` may name
   * `slack`; the approval API gets `POST /slack/actions`, the request URL of the app's interactivity.
   * @default none: email only
   */
  readonly slackSecretName?: string;
  /**
   * Seconds a link stays valid before a reminder with new links is sent.
   * @default 86400 (one day)
   */
  readonly reminderIntervalSeconds?: number;
  /**
   * Reminders after the first email; the request expires when the last one runs out.
   * @default 2
   */
  readonly reminderCount?: number;
  /**
   * Minutes between the worker's scheduled runs (a safety net: every request wakes it at once).
   * @default 60
   */
  readonly workerScheduleMinutes?: number;
  /**
   * Most worker instances working at once.
   * @default 2
   */
  readonly workerMaxConcurrency?: number;
  /**
   * Lambda reserved concurrency of the worker; 0 reserves none. It also bounds the request check
   * each new request makes (a short synchronous call of the same function): leave room above
   * `workerMaxConcurrency`.
   * @default 0
   */
  readonly workerReservedConcurrency?: number;
  /**
   * Most emails per second across all worker instances.
   * @default 10
   */
  readonly maxSendRate?: number;
  /**
   * Seconds before the first new email after a failed delivery; doubles each time, at most an hour.
   * @default 60
   */
  readonly deliveryRetryIntervalSeconds?: number;
  /**
   * New emails tried after failed deliveries.
   * @default 4
   */
  readonly deliveryRetryAttempts?: number;
  /**
   * Steady-state requests per second the approval API accepts.
   * @default 10
   */
  readonly apiThrottlingRateLimit?: number;
  /**
   * Burst of requests the approval API accepts; at least the rate.
   * @default 20
   */
  readonly apiThrottlingBurstLimit?: number;
  /**
   * Create the account-wide role API Gateway writes access logs with (one per account and region).
   * @default true
   */
  readonly createApiGatewayAccountRole?: boolean;
  /**
   * `direct`: opening a link decides; `confirm`: it shows a page whose button decides.
   * @default 'direct'
   */
  readonly linkMode?: LinkMode;
  /**
   * X-Ray tracing of the approval API stage. Its segments record the URL, task token included.
   * @default false
   */
  readonly apiTracing?: boolean;
  /**
   * Address the CloudWatch alarms are emailed to.
   * @default none: alarms without notifications
   */
  readonly alarmEmail?: string;
  /**
   * A CloudWatch dashboard with the approval funnel.
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * CloudWatch namespace of the worker's metrics. Use one HumanApproval per stack: alarm and
   * dashboard names are made from the stack name.
   * @default `HumanApproval/<stack name>`
   */
  readonly metricsNamespace?: string;
}

/** What both forms of the approval task take alike. */
export interface ApprovalTaskCommonProps {
  /**
   * The approval request: `{ approvers, policy, subject, details, requester }` (see the README), or
   * the `{ managerEmailAddress, employeeName }` form. Use `sfn.TaskInput.fromObject` with JSONPath
   * values taken from the parent's state.
   */
  readonly input: sfn.TaskInput;
  /**
   * Name of the approval execution.
   * @default a name Step Functions generates
   */
  readonly name?: string;
  /**
   * Link the approval execution to the parent's in the console (adds AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID to its input).
   * @default true
   */
  readonly associateWithParent?: boolean;
  readonly comment?: string;
}

export interface ApprovalTaskProps extends ApprovalTaskCommonProps {
  /**
   * Where the approval's result goes in the parent's state: the child's DescribeExecution, with
   * its `Output` (the approval record) as JSON.
   * @default '$.approval'
   */
  readonly resultPath?: string;
  /**
   * What of the result to keep, e.g. `{ 'decisions.$': '$.Output.approval.decisions' }`.
   * @default the whole result
   */
  readonly resultSelector?: Readonly<Record<string, unknown>>;
  /**
   * Longest the parent waits; after it the task fails with States.Timeout and the approval is stopped.
   * @default no limit beyond the approval's own expiry
   */
  readonly timeout?: Duration;
}

/**
 * The input must be `sfn.TaskInput.fromObject` and must not use the reserved key `approval`, where
 * the task puts the parent's task token.
 */
export interface ApprovalDecisionTaskProps extends ApprovalTaskCommonProps {
  /**
   * Where the approval's output goes in the parent's state: the approval execution's own output,
   * the request's fields and its `approval` record (`policy`, `approvers`, and `decision` under
   * policy `any` or `decisions` under `all`).
   * @default '$.approval'
   */
  readonly resultPath?: string;
  /**
   * What of the output to keep, e.g. `{ 'decisions.$': '$.approval.decisions' }`.
   * @default the whole output
   */
  readonly resultSelector?: Readonly<Record<string, unknown>>;
  /**
   * Longest the parent waits for the answer; after it the task fails with `States.Timeout`. An
   * approval execution that was stopped, or that reached its own time limit, cannot answer: this
   * timeout is what ends the parent's wait then. The approval is not stopped by it.
   * @default the approval state machine's own time limit (every reminder and delivery retry) plus five minutes
   */
  readonly timeout?: Duration;
}

/** Room beyond the approval's own time limit before a parent stops waiting for an answer that cannot come. */
const PARENT_TIMEOUT_MARGIN_SECONDS = 300;

const PROPS_SETTINGS: SettingsSource = {
  describe: (name, raw) => `HumanApproval prop ${name}=${JSON.stringify(raw)}`,
  howToSet: 'Change it in the props of the HumanApproval construct.',
};

/**
 * The whole human-approval service as one construct to add to any CDK app: the approval state
 * machine and its activity, the worker that emails the links, the approval API behind the links,
 * and alarms. {@link approvalDecisionTask} and {@link approvalTask} run an approval from another
 * state machine and wait for it.
 */
export class HumanApproval extends Construct {
  /** The settings in effect, defaults filled in. */
  public readonly config: ApprovalConfig;
  public readonly activity: sfn.Activity;
  public readonly workflow: ApprovalWorkflow;
  public readonly worker: ActivityWorker;
  public readonly approvalApi: ApprovalApi;
  public readonly monitoring: ApprovalMonitoring;
  /** Slack's clicks arrive here; only with `slackSecretName`. */
  public readonly slackActions?: SlackActions;
  /** Where each approver's Slack message is, and what closes them when a request ends; only with `slackSecretName`. */
  public readonly slackMessages?: SlackMessages;
  /** Start an execution here to ask for an approval. */
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: HumanApprovalProps = {}) {
    super(scope, id);
    const { metricsNamespace: namespace, ...settings } = props;
    this.config = readApprovalConfig((key) => (settings as Readonly<Record<string, unknown>>)[key], PROPS_SETTINGS);
    const config = this.config;
    const metricsNamespace = namespace ?? `HumanApproval/${Stack.of(this).stackName}`;

    this.activity = new sfn.Activity(this, 'ManualApprovalActivity');
    this.approvalApi = new ApprovalApi(this, 'ApprovalApi', {
      activity: this.activity,
      throttlingRateLimit: config.apiThrottlingRateLimit,
      throttlingBurstLimit: config.apiThrottlingBurstLimit,
      createAccountRole: config.createApiGatewayAccountRole,
      linkMode: config.linkMode,
      tracing: config.apiTracing,
    });
    const slackSecret =
      config.slackSecretName === undefined
        ? undefined
        : secretsmanager.Secret.fromSecretNameV2(this, 'SlackSecret', config.slackSecretName);
    this.worker = new ActivityWorker(this, 'Worker', {
      slackSecret,
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
    if (slackSecret) {
      this.slackActions = new SlackActions(this, 'SlackActions', {
        activity: this.activity,
        secret: slackSecret,
        api: this.approvalApi.api,
      });
    }
    this.workflow = new ApprovalWorkflow(this, 'Workflow', { config, activity: this.activity, worker: this.worker.function });
    this.stateMachine = this.workflow.stateMachine;
    if (slackSecret) {
      this.slackMessages = new SlackMessages(this, 'SlackMessages', {
        secret: slackSecret,
        stateMachine: this.stateMachine,
        worker: this.worker.function,
        workerRole: this.worker.role,
      });
    }
    this.monitoring = new ApprovalMonitoring(this, 'Monitoring', {
      stateMachine: this.workflow.stateMachine,
      stateMachineLogGroup: this.workflow.logGroup,
      workerFunction: this.worker.function,
      ...(this.slackMessages === undefined ? {} : { slackMessageCloser: this.slackMessages.closer }),
      api: this.approvalApi.api,
      apiAccessLogGroup: this.approvalApi.accessLogGroup,
      metricsNamespace,
      alarmEmail: config.alarmEmail,
      dashboard: config.dashboard,
    });

    if (config.senderEmail === undefined) {
      // An error annotation stops `cdk synth` and `cdk deploy` (the local mode synthesizes without
      // the CLI and runs on). Without a sender every email would come from the approver's own
      // address, which SES refuses unless each approver is a verified identity, and which fails
      // DMARC at most companies: requests would end as EmailDeliveryRefused.
      Annotations.of(this).addError(
        'senderEmail is not set. A deployed stack sends every email from a verified SES identity: ' +
          'deploy with `-c senderEmail=approvals@yourdomain.example` or set "senderEmail" under "context" in cdk.json ' +
          '(or the senderEmail prop of HumanApproval), and run `npx approval doctor` to check that SES has verified it. ' +
          '`npm start` needs no setting.',
      );
    }
  }

  /** Base URL of the Approve / Reject links. */
  get apiUrl(): string {
    return this.approvalApi.url;
  }

  /** The request URL of the Slack app's interactivity (`<api>/slack/actions`); undefined without Slack. */
  get slackRequestUrl(): string | undefined {
    return this.slackActions?.requestUrl(this.apiUrl);
  }

  /**
   * A Task state that asks for an approval from another state machine and waits for the decision,
   * which it fails with by name: the parent catches `Rejected`, `Expired`, `InvalidRequest`,
   * `EmailDeliveryFailed`, `EmailDeliveryRefused` or `RequestCheckFailed` directly, with the
   * approval's own cause (for `Rejected` the decision record as JSON). Approved: the task succeeds
   * with the approval execution's output (see {@link ApprovalDecisionTaskProps.resultPath}).
   *
   * It starts the approval with `arn:aws:states:::states:startExecution.waitForTaskToken` and puts
   * its task token in the approval's input under the reserved key, `approval.parentTaskToken`; the
   * approval answers it with SendTaskSuccess or SendTaskFailure as it ends. The token is in that
   * execution's input (its history), as for every waitForTaskToken StartExecution, and in the
   * request check's payload, which does not log it; the approval machine then logs without
   * execution data, and no email, worker task, output or CLI view carries it. Whoever may start
   * approval executions may then answer any task token they know: see the README.
   *
   * A stopped or timed-out approval cannot answer: the task's {@link ApprovalDecisionTaskProps.timeout}
   * (`States.Timeout`) ends the wait then. Catch the error names before `States.TaskFailed`, which
   * matches them too. See the README.
   */
  approvalDecisionTask(scope: Construct, id: string, props: ApprovalDecisionTaskProps): tasks.StepFunctionsStartExecution {
    const { input } = props;
    if (input.type !== sfn.InputType.OBJECT || typeof input.value !== 'object' || input.value === null) {
      throw new Error(
        `approvalDecisionTask ${id}: the input must be sfn.TaskInput.fromObject({...}), whose fields the task can add the parent's task token to.`,
      );
    }
    const request = input.value as Record<string, unknown>;
    if (Object.hasOwn(request, 'approval') || Object.hasOwn(request, 'approval.$')) {
      throw new Error(
        `approvalDecisionTask ${id}: the input's key "approval" is reserved (it carries the parent's task token); rename it.`,
      );
    }
    const timeout = props.timeout ?? Duration.seconds(executionTimeoutSeconds(this.config) + PARENT_TIMEOUT_MARGIN_SECONDS);
    this.workflow.allowAnsweringParents();
    return this.startApproval(scope, id, props, {
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      input: sfn.TaskInput.fromObject({ ...request, approval: { parentTaskToken: sfn.JsonPath.taskToken } }),
      timeout,
      comment: 'Asks for a human approval and waits for the decision; fails with the reason by name.',
    });
  }

  /**
   * The earlier form of {@link approvalDecisionTask}, kept for existing users: a Task state that
   * asks for an approval from another state machine and waits for the outcome
   * (`arn:aws:states:::states:startExecution.sync:2`). Approved: the task succeeds, with the
   * approval's output under `Output`. Rejected, expired or invalid: the task fails with
   * `States.TaskFailed`, whose cause is the approval execution's DescribeExecution as JSON; its
   * `Error` field says which (`Rejected`, `Expired`, `InvalidRequest`, ...). A stopped or timed-out
   * approval has `Status` `ABORTED` or `TIMED_OUT` and neither `Error` nor `Cause`: test `Status`
   * first (examples/release-workflow does). See the README.
   */
  approvalTask(scope: Construct, id: string, props: ApprovalTaskProps): tasks.StepFunctionsStartExecution {
    return this.startApproval(scope, id, props, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      input: props.input,
      timeout: props.timeout,
      comment: 'Asks for a human approval and waits for the decision.',
    });
  }

  /** The Task state both forms make: what they share, and the defaults of their common props. */
  private startApproval(
    scope: Construct,
    id: string,
    props: ApprovalTaskProps | ApprovalDecisionTaskProps,
    form: { integrationPattern: sfn.IntegrationPattern; input: sfn.TaskInput; timeout: Duration | undefined; comment: string },
  ): tasks.StepFunctionsStartExecution {
    return new tasks.StepFunctionsStartExecution(scope, id, {
      stateMachine: this.stateMachine,
      integrationPattern: form.integrationPattern,
      input: form.input,
      name: props.name,
      associateWithParent: props.associateWithParent ?? true,
      resultPath: props.resultPath ?? '$.approval',
      resultSelector: props.resultSelector === undefined ? undefined : { ...props.resultSelector },
      taskTimeout: form.timeout === undefined ? undefined : sfn.Timeout.duration(form.timeout),
      comment: props.comment ?? form.comment,
    });
  }
}

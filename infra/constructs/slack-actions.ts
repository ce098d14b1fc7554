import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SLACK_ENV } from '../../functions/commons/slack-contract';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../compliance';
import { lambdaRoleWritingOwnLogs } from './function-role';
import { prebuiltFunctionProps } from './prebuilt-function';

/** The route of the approval API that Slack's interactivity requests go to. */
export const SLACK_ACTIONS_PATH = ['slack', 'actions'] as const;

export interface SlackActionsProps {
  /** The activity whose tasks a Slack click answers. */
  readonly activity: sfn.IActivity;
  /** The secret with the Slack app's bot token and signing secret. */
  readonly secret: secretsmanager.ISecret;
  /** The approval API, which gets the `POST /slack/actions` route. */
  readonly api: apigw.RestApi;
}

/**
 * The one Lambda on a click path: Slack's button clicks and the reject modal's submissions reach
 * `POST /slack/actions`, where the function checks Slack's signature and that the clicking user is
 * the approver the message was sent to, then answers the task (functions/slack-actions).
 */
export class SlackActions extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  /** `POST /slack/actions`: the request URL of the Slack app's interactivity. */
  public readonly method: apigw.Method;

  constructor(scope: Construct, id: string, props: SlackActionsProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.role = lambdaRoleWritingOwnLogs(
      this,
      this.logGroup,
      'Lets the Slack actions function read the Slack secret, answer approval tasks and write its logs',
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerApprovalTasks',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [props.activity.activityArn],
      }),
    );
    props.secret.grantRead(this.role);

    this.function = new lambda.Function(this, 'Function', {
      ...prebuiltFunctionProps('slack-actions', this.role, this.logGroup),
      description: 'Answers approval tasks from Slack button clicks, after checking Slack signed the request',
      memorySize: 256,
      // Slack waits 3 seconds for the answer ("Handling user interaction in your Slack apps"); the
      // function's own calls are bounded well inside that, so a longer run only finishes the update.
      timeout: Duration.seconds(10),
      environment: {
        // A name, not an ARN: GetSecretValue takes either, and a name needs no suffix.
        [SLACK_ENV.secretId]: props.secret.secretName,
        POWERTOOLS_SERVICE_NAME: 'approval-slack-actions',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    let resource: apigw.IResource = props.api.root;
    for (const part of SLACK_ACTIONS_PATH) resource = resource.getResource(part) ?? resource.addResource(part);
    this.method = resource.addMethod('POST', new apigw.LambdaIntegration(this.function, { proxy: true }), {
      authorizationType: apigw.AuthorizationType.NONE,
    });
    const reason =
      'Slack calls this route and signs every request with the app signing secret; the function refuses any request whose signature or timestamp does not check out, and decides only for the approver the message was sent to. See SECURITY.md.';
    acknowledgeFinding(this.method, 'AwsSolutions-APIG4', reason);
    acknowledgeFinding(this.method, 'AwsSolutions-COG4', reason);

    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
    }
  }

  /** The request URL to give the Slack app's interactivity. */
  requestUrl(apiUrl: string): string {
    return `${apiUrl}/${SLACK_ACTIONS_PATH.join('/')}`;
  }
}

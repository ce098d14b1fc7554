import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DECISION_ROUTES } from '../../functions/commons/decision-links';
import {
  confirmCheckRequestTemplate,
  confirmPageTemplate,
  type Decision,
  decisionRequestTemplate,
  formDecisionRequestTemplate,
  decisionSucceededTemplate,
  stepFunctionsClientErrorTemplate,
  stepFunctionsServerErrorTemplate,
} from '../approval-api-templates';
import { APPROVAL_SETTINGS, LINK_MODES, type LinkMode } from '../approval-config';
import { Pages, renderPage } from '../approval-pages';
import { acknowledgeFinding } from '../compliance';

export const APPROVAL_STAGE_NAME = 'respond';

export interface ApprovalApiProps {
  /** The activity whose tasks the links close. */
  readonly activity: sfn.IActivity;
  /**
   * Whether opening a link decides (`direct`) or shows a page whose button decides (`confirm`).
   * @default the default of the `linkMode` setting (APPROVAL_SETTINGS in infra/approval-config.ts)
   */
  readonly linkMode?: LinkMode;
  /**
   * Steady-state requests per second.
   * @default the default of the `apiThrottlingRateLimit` setting (APPROVAL_SETTINGS)
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests.
   * @default the default of the `apiThrottlingBurstLimit` setting (APPROVAL_SETTINGS)
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Create the account-wide CloudWatch Logs role API Gateway needs to write access logs. Turn it off
   * when the account already has one: there is one per account and region.
   * @default the default of the `createApiGatewayAccountRole` setting (APPROVAL_SETTINGS)
   */
  readonly createAccountRole?: boolean;
  /**
   * X-Ray tracing of the stage. API Gateway's trace segments record `http.request.url` with its
   * query string, so a traced stage writes every task token (a bearer credential) into X-Ray, where
   * anyone with xray:BatchGetTraces can read it for 30 days. Leave it off unless that is acceptable.
   * @default the default of the `apiTracing` setting (APPROVAL_SETTINGS)
   */
  readonly tracing?: boolean;
}

/** Access-log fields: none of them carries the query string, where the task token travels. */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  // The id the decision record carries as requestId: the one a client cannot choose.
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  errorType: '$context.error.responseType',
};

/** Headers on every page: no caching of answers, no referrer (the URL holds a token), no sniffing. */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': "'text/html; charset=utf-8'",
  'Cache-Control': "'no-store'",
  'Referrer-Policy': "'no-referrer'",
  'X-Content-Type-Options': "'nosniff'",
};

const methodResponseParameters = Object.fromEntries(Object.keys(PAGE_HEADERS).map((name) => [`method.response.header.${name}`, true]));
const integrationResponseParameters = Object.fromEntries(
  Object.entries(PAGE_HEADERS).map(([name, value]) => [`method.response.header.${name}`, value]),
);

/** The approval routes carry no authorizer by design: the token in the link is the credential. */
function acknowledgeBearerLinks(method: apigw.Method): void {
  const reason =
    'Approval links are bearer capabilities: the unguessable task token in the link is the credential, so the approver can answer from any mail client without signing in. See SECURITY.md.';
  acknowledgeFinding(method, 'AwsSolutions-APIG4', reason);
  acknowledgeFinding(method, 'AwsSolutions-COG4', reason);
}

/** The same HTML whatever the client's Accept header selects. */
function htmlTemplates(template: string): Record<string, string> {
  return { 'text/html': template, 'application/json': template };
}

/**
 * The REST API behind the links in the emails: GET /succeed and GET /fail call Step Functions
 * SendTaskSuccess / SendTaskFailure directly (AWS-service integrations, no Lambda).
 */
export class ApprovalApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly role: iam.Role;
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      // API Gateway's metrics (and so the alarms on them) are keyed by API name and stage: a name of
      // its own per stack keeps two stacks in one account and region from sharing them.
      restApiName: `${Stack.of(this).stackName}-approvals`,
      description: 'Approve / Reject links of the human-approval workflow',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: APPROVAL_STAGE_NAME,
        throttlingRateLimit: props.throttlingRateLimit ?? APPROVAL_SETTINGS.apiThrottlingRateLimit.default,
        throttlingBurstLimit: props.throttlingBurstLimit ?? APPROVAL_SETTINGS.apiThrottlingBurstLimit.default,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        // Data trace would log whole requests, tokens included; execution logs stay off for the same reason.
        dataTraceEnabled: false,
        loggingLevel: apigw.MethodLoggingLevel.OFF,
        cachingEnabled: false,
        metricsEnabled: true,
        // Off unless asked for: a trace records the request URL, and with it the task token.
        tracingEnabled: props.tracing ?? APPROVAL_SETTINGS.apiTracing.default,
      },
    });
    // The stack outputs the URL itself, under a stable name.
    this.api.node.tryRemoveChild('Endpoint');
    acknowledgeFinding(
      this.api.deploymentStage,
      'AwsSolutions-APIG6',
      'Execution logging stays off: at INFO level it writes method request parameters, and the task token (a bearer credential) is one. Access logging is on, with $context fields that carry no query string.',
    );
    acknowledgeFinding(
      this.api.deploymentStage,
      'AwsSolutions-APIG3',
      'No WAF by default: the routes only accept 2,048-character unguessable tokens, stage throttling limits the request rate, and a web ACL costs more than the rest of the stack. Attach one to the stage if your organisation requires it.',
    );
    if (props.createAccountRole ?? APPROVAL_SETTINGS.createApiGatewayAccountRole.default) {
      this.addAccountLoggingRole();
    }

    this.role = new iam.Role(this, 'StepFunctionsRole', {
      description: 'Lets the approval API answer approval tasks and nothing else',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    });
    const linkMode = props.linkMode ?? APPROVAL_SETTINGS.linkMode.default;
    if (!LINK_MODES.includes(linkMode)) {
      throw new Error(`linkMode must be one of ${LINK_MODES.join(', ')}, not ${JSON.stringify(linkMode)}.`);
    }
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerApprovalTasks',
        // In confirm mode the page is only shown for a token SendTaskHeartbeat accepts as open.
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', ...(linkMode === 'confirm' ? ['states:SendTaskHeartbeat'] : [])],
        resources: [props.activity.activityArn],
      }),
    );

    const validator = new apigw.RequestValidator(this, 'TaskTokenRequired', {
      restApi: this.api,
      requestValidatorName: 'task-token-required',
      validateRequestParameters: true,
      // No method has a body model, so this checks nothing today; it keeps any future model enforced.
      validateRequestBody: true,
    });
    this.addDecisionRoutes(this.api.root.addResource(DECISION_ROUTES.approved), 'SendTaskSuccess', 'approved', linkMode, validator);
    this.addDecisionRoutes(this.api.root.addResource(DECISION_ROUTES.rejected), 'SendTaskFailure', 'rejected', linkMode, validator);
    this.addGatewayPages();
  }

  /** URL of the stage, without a trailing slash: `<url>/succeed?taskToken=...` */
  public get url(): string {
    return this.api.deploymentStage.urlForPath('/').replace(/\/$/, '');
  }

  private addDecisionRoutes(
    resource: apigw.Resource,
    action: 'SendTaskSuccess' | 'SendTaskFailure',
    decision: Decision,
    linkMode: LinkMode,
    validator: apigw.IRequestValidator,
  ): void {
    // The link is a bearer capability: whoever holds the token may answer (see SECURITY.md).
    const getOptions: apigw.MethodOptions = {
      authorizationType: apigw.AuthorizationType.NONE,
      requestValidator: validator,
      requestParameters: { 'method.request.querystring.taskToken': true },
      methodResponses: ['200', '400', '410', '429', '502'].map((statusCode) => ({
        statusCode,
        responseParameters: methodResponseParameters,
      })),
    };
    if (linkMode === 'direct') {
      acknowledgeBearerLinks(
        resource.addMethod(
          'GET',
          this.stepFunctionsIntegration(action, decisionSucceededTemplate(decision), {
            'application/json': decisionRequestTemplate(decision),
          }),
          getOptions,
        ),
      );
      return;
    }
    // Opening the link decides nothing: SendTaskHeartbeat only checks that the token is valid and
    // open, and its success answers with the confirmation page, which names the subject.
    acknowledgeBearerLinks(
      resource.addMethod(
        'GET',
        this.stepFunctionsIntegration('SendTaskHeartbeat', confirmPageTemplate(decision), {
          'application/json': confirmCheckRequestTemplate(),
        }),
        getOptions,
      ),
    );
    // The form's button posts the token (and a comment) in the body; only that form encoding is mapped.
    acknowledgeBearerLinks(
      resource.addMethod(
        'POST',
        this.stepFunctionsIntegration(action, decisionSucceededTemplate(decision), {
          'application/x-www-form-urlencoded': formDecisionRequestTemplate(decision),
        }),
        { authorizationType: apigw.AuthorizationType.NONE, requestValidator: validator, methodResponses: getOptions.methodResponses },
      ),
    );
  }

  private stepFunctionsIntegration(
    action: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat',
    successTemplate: string,
    requestTemplates: Record<string, string>,
  ): apigw.AwsIntegration {
    return new apigw.AwsIntegration({
      service: 'states',
      action,
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.role,
        // Only the mapped body ever reaches Step Functions; other content types get 415.
        passthroughBehavior: apigw.PassthroughBehavior.NEVER,
        requestTemplates,
        integrationResponses: [
          {
            statusCode: '200',
            responseParameters: integrationResponseParameters,
            responseTemplates: htmlTemplates(successTemplate),
          },
          {
            statusCode: '400',
            selectionPattern: '4\\d{2}',
            responseParameters: integrationResponseParameters,
            responseTemplates: htmlTemplates(stepFunctionsClientErrorTemplate()),
          },
          {
            statusCode: '502',
            selectionPattern: '5\\d{2}',
            responseParameters: integrationResponseParameters,
            responseTemplates: htmlTemplates(stepFunctionsServerErrorTemplate()),
          },
        ],
      },
    });
  }

  /** Errors API Gateway answers itself (missing token, unknown path, throttling) as readable pages. */
  private addGatewayPages(): void {
    const pages: Array<[string, apigw.ResponseType, string | undefined, string]> = [
      ['MissingTaskToken', apigw.ResponseType.BAD_REQUEST_PARAMETERS, '400', renderPage(Pages.invalidLink)],
      ['Throttled', apigw.ResponseType.THROTTLED, '429', renderPage(Pages.busy)],
      ['Other4xx', apigw.ResponseType.DEFAULT_4XX, undefined, renderPage(Pages.invalidLink)],
      ['Other5xx', apigw.ResponseType.DEFAULT_5XX, undefined, renderPage(Pages.serverError)],
    ];
    for (const [id, type, statusCode, html] of pages) {
      this.api.addGatewayResponse(id, { type, statusCode, responseHeaders: PAGE_HEADERS, templates: htmlTemplates(html) });
    }
  }

  /**
   * The account-wide role API Gateway writes access logs with. Its permissions are inline, part of
   * the role resource itself: API Gateway checks them when the account setting is applied, so a
   * separate policy resource could still be missing then ("The role ARN does not have required
   * permissions configured"; aws-cdk issue 2194). The role is kept when the stack is deleted, because
   * the account setting keeps pointing at it and every REST API of the account logs through it.
   */
  private addAccountLoggingRole(): void {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'CloudWatchLogsRole', {
      description: 'Lets API Gateway write access logs in this account and region',
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      inlinePolicies: {
        PushToCloudWatchLogs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:DescribeLogGroups',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
                'logs:GetLogEvents',
                'logs:FilterLogEvents',
              ],
              resources: [
                stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
              ],
            }),
          ],
        }),
      },
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeFinding(
      role,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
      'This is the account-wide role every REST API in the account and region logs through, so it must reach any log group; it grants what the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy grants, inline.',
    );
    const account = new apigw.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    // The role ARN is a reference already; the explicit dependency says the order matters.
    account.node.addDependency(role);
    this.api.deploymentStage.node.addDependency(account);
  }
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { testAssembly } from './assemblies';
import { lambdaIntegrationUri, secretArnFromName } from './cdk-intrinsics';

/** The logical id of the fixture function behind `POST /slack/actions`. */
export const SLACK_ACTIONS_FUNCTION_ID = 'SlackActionsFunction1A2B3C4D';
/** The secret both functions name, as the template builds its ARN. */
export const SLACK_SECRET_NAME = 'my-slack-app';

const FIXTURE_CODE = path.join(__dirname, 'slack-actions-fixture');
const FIXTURE_OBJECT_KEY = 'slack-actions-fixture.zip';
const FIXTURE_ASSET_DIR = 'asset.slack-actions-fixture';

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`, built as CDK builds it from the secret's name. */
const SECRET_ARN = secretArnFromName(SLACK_SECRET_NAME);

/**
 * A copy of the run's assembly as a Slack deployment synthesizes it, in `dir`: a Slack actions
 * function (the fixture in slack-actions-fixture/, an asset of the assembly) behind `POST
 * /slack/actions` with a Lambda proxy integration, and SLACK_SECRET_ID in its environment and the
 * worker's. `withSecret: false` leaves SLACK_SECRET_ID out (a deployment without Slack).
 */
export function slackAssembly(dir: string, options: { readonly withSecret?: boolean } = {}): string {
  // The run's assembly without the example app's own Slack (an empty slackSecretName turns it off).
  fs.cpSync(testAssembly({ slackSecretName: '' }), dir, { recursive: true });
  fs.cpSync(FIXTURE_CODE, path.join(dir, FIXTURE_ASSET_DIR), { recursive: true });

  const assetsFile = path.join(dir, 'HumanApproval.assets.json');
  const assets = readJson(assetsFile) as { files: Json };
  assets.files['slack-actions-fixture'] = {
    displayName: 'HumanApproval/SlackActions/Code',
    source: { path: FIXTURE_ASSET_DIR, packaging: 'zip' },
    destinations: { 'current_account-current_region': { bucketName: 'cdk-assets', objectKey: FIXTURE_OBJECT_KEY } },
  };
  fs.writeFileSync(assetsFile, JSON.stringify(assets, null, 1));

  const templateFile = path.join(dir, 'HumanApproval.template.json');
  const template = readJson(templateFile) as { Resources: Record<string, { Type: string; Properties?: Json }> };
  const resources = template.Resources;
  const withSecret = options.withSecret ?? true;
  const slackVariables = withSecret ? { SLACK_SECRET_ID: SECRET_ARN } : {};
  const [restApiId] = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::ApiGateway::RestApi') ?? [];
  const [activityId] = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::StepFunctions::Activity') ?? [];
  if (restApiId === undefined || activityId === undefined) throw new Error('The test assembly has no REST API or no activity');

  for (const resource of Object.values(resources)) {
    const variables = (resource.Properties?.Environment as { Variables?: Json } | undefined)?.Variables;
    if (resource.Type === 'AWS::Lambda::Function' && variables !== undefined && JSON.stringify(variables).includes(activityId)) {
      Object.assign(variables, slackVariables);
    }
  }
  resources[SLACK_ACTIONS_FUNCTION_ID] = {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: { S3Bucket: 'cdk-assets', S3Key: FIXTURE_OBJECT_KEY },
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 10,
      Environment: { Variables: { ...slackVariables, ACTIVITY_ARN: { Ref: activityId } } },
    },
  };
  resources.ApiSlackResource1A2B3C4D = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: { Ref: restApiId }, ParentId: { 'Fn::GetAtt': [restApiId, 'RootResourceId'] }, PathPart: 'slack' },
  };
  resources.ApiSlackActions1A2B3C4D = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: { Ref: restApiId }, ParentId: { Ref: 'ApiSlackResource1A2B3C4D' }, PathPart: 'actions' },
  };
  resources.ApiSlackActionsPOST1A2B3C4D = {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: { Ref: restApiId },
      ResourceId: { Ref: 'ApiSlackActions1A2B3C4D' },
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      // As CDK's LambdaIntegration synthesizes it.
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: lambdaIntegrationUri(SLACK_ACTIONS_FUNCTION_ID),
      },
    },
  };
  fs.writeFileSync(templateFile, JSON.stringify(template, null, 1));
  return dir;
}

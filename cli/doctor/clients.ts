import type { APIGatewayClient, APIGatewayClientConfig } from '@aws-sdk/client-api-gateway';
import type { CloudWatchClient, CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client, SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts';
import type { SlackAuthTest } from './slack-checks';

/** The clients `approval doctor` reads the account with, beside CloudFormation; tests pass mocked ones. */
export interface DoctorClientFactories {
  readonly createStsClient: (config: STSClientConfig) => STSClient;
  readonly createSsmClient: (config: SSMClientConfig) => SSMClient;
  readonly createSesV2Client: (config: SESv2ClientConfig) => SESv2Client;
  readonly createLambdaClient: (config: LambdaClientConfig) => LambdaClient;
  readonly createApiGatewayClient: (config: APIGatewayClientConfig) => APIGatewayClient;
  readonly createCloudWatchClient: (config: CloudWatchClientConfig) => CloudWatchClient;
  readonly createSecretsManagerClient: (config: SecretsManagerClientConfig) => SecretsManagerClient;
  /** Slack's auth.test with a bot token (cli/doctor/slack-checks.ts). */
  readonly slackAuthTest: SlackAuthTest;
}

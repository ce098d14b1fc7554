import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isEmailAddress } from '../../functions/commons/approval-request';

/** What the real-AWS run deploys with, settled before anything is deployed. */
export interface AwsRun {
  readonly account: string;
  readonly region: string;
  readonly senderEmail: string;
  /** Create API Gateway's account-wide CloudWatch Logs role (only when the account has none). */
  readonly createApiGatewayAccountRole: boolean;
  /** Things the person running the test should know. */
  readonly notes: readonly string[];
}

/** A reason not to deploy, worded for the person running the test. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

const errorName = (error: unknown): string => (error as { name?: string }).name ?? 'Error';
const isAccessDenied = (error: unknown): boolean => /AccessDenied|UnauthorizedOperation|Forbidden/i.test(errorName(error));

async function isVerifiedForSending(ses: SESv2Client, identity: string): Promise<boolean> {
  try {
    const { VerifiedForSendingStatus } = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
    return VerifiedForSendingStatus === true;
  } catch (error) {
    if (errorName(error) === 'NotFoundException') return false;
    throw error;
  }
}

/**
 * Checks what the test needs before it deploys anything: a sender address, credentials, a region,
 * and a sender SES will send from. Decides whether the stack creates API Gateway's logging role.
 */
export async function prepareAwsRun(env: NodeJS.ProcessEnv): Promise<AwsRun> {
  const senderEmail = env.APPROVAL_INTEG_SENDER_EMAIL?.trim();
  if (!senderEmail) {
    throw new PreflightError(
      'APPROVAL_INTEG_SENDER_EMAIL is not set. The test sends a real email (to the SES mailbox simulator) from this address, ' +
        'so it must be an identity SES has verified in the region you test in:\n' +
        '  aws sesv2 create-email-identity --email-identity you@example.com   (then click the link SES emails you)\n' +
        '  APPROVAL_INTEG_SENDER_EMAIL=you@example.com npm run test:aws',
    );
  }
  if (!isEmailAddress(senderEmail))
    throw new PreflightError(`APPROVAL_INTEG_SENDER_EMAIL=${JSON.stringify(senderEmail)} is not an email address.`);

  const sts = new STSClient({});
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    throw new PreflightError(
      'No AWS region is configured. Set AWS_REGION (or a region in your AWS profile), e.g. AWS_REGION=eu-west-1 npm run test:aws',
    );
  }
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    throw new PreflightError(
      `No usable AWS credentials (${errorName(error)}: ${(error as Error).message}). Configure some, e.g. with aws configure sso or AWS_PROFILE.`,
    );
  }
  if (!account) throw new PreflightError('STS GetCallerIdentity returned no account.');

  const notes: string[] = [];
  const ses = new SESv2Client({ region });
  const domain = senderEmail.slice(senderEmail.lastIndexOf('@') + 1);
  try {
    if (!(await isVerifiedForSending(ses, senderEmail)) && !(await isVerifiedForSending(ses, domain))) {
      throw new PreflightError(
        `SES in ${region} has not verified ${senderEmail} (nor ${domain}) for sending. Verify it there:\n` +
          `  aws sesv2 create-email-identity --email-identity ${senderEmail} --region ${region}\n` +
          'then click the link SES emails you, and run the test again.',
      );
    }
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    notes.push(`Could not check the SES identity ${senderEmail} (${errorName(error)}); the delivery check will tell.`);
  }

  let createApiGatewayAccountRole: boolean;
  const explicit = env.APPROVAL_INTEG_CREATE_API_GATEWAY_ACCOUNT_ROLE?.trim();
  if (explicit === 'true' || explicit === 'false') {
    createApiGatewayAccountRole = explicit === 'true';
  } else {
    try {
      const { cloudwatchRoleArn } = await new APIGatewayClient({ region }).send(new GetAccountCommand({}));
      createApiGatewayAccountRole = !cloudwatchRoleArn;
    } catch (error) {
      if (!isAccessDenied(error)) throw error;
      createApiGatewayAccountRole = true;
    }
  }
  if (createApiGatewayAccountRole) {
    notes.push(
      "The stack sets API Gateway's account-wide CloudWatch Logs role in this region (access logs need one); the role stays after the test, as the account setting points at it.",
    );
  }
  return { account, region, senderEmail, createApiGatewayAccountRole, notes };
}

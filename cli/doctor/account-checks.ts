import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { couldNotCheck, describeError, isNamed, isNetworkError, result, type CheckResult } from './check-result';
import { DEPLOYABLE_REGIONS, deployElsewhereFix, isCommercialRegion } from './service-regions';

/** The oldest bootstrap stack current aws-cdk-lib deploys with (its deploy role and asset roles). */
export const MIN_BOOTSTRAP_VERSION = 6;

export interface ResolvedRegion {
  readonly region: string;
  /** Where it came from, for the user: `--region`, `AWS_REGION`... */
  readonly source: string;
}

/**
 * The region a `cdk deploy` from this shell would use: --region, then the variables (the CDK CLI
 * reads AWS_DEFAULT_REGION too, the SDK does not), then the SDK's own chain (the profile's region).
 */
export async function resolveRegion(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  sdkRegion: () => Promise<string>,
): Promise<ResolvedRegion | undefined> {
  if (option) return { region: option, source: '--region' };
  if (env.AWS_REGION) return { region: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  try {
    const region = await sdkRegion();
    return region ? { region, source: `the AWS config${env.AWS_PROFILE ? ` (profile ${env.AWS_PROFILE})` : ''}` } : undefined;
  } catch {
    return undefined;
  }
}

export function checkRegion(resolved: ResolvedRegion | undefined): CheckResult {
  if (!resolved) {
    return result('region', {
      status: 'problem',
      summary: 'no AWS region is set',
      fix: 'pass --region, set AWS_REGION, or give your profile a region (`aws configure set region eu-west-1`).',
    });
  }
  const { region, source } = resolved;
  if (!isCommercialRegion(region)) {
    return result('region', {
      status: 'warn',
      summary: `${region} (from ${source}) is outside the commercial AWS regions, which are all the doctor knows SES and arm64 Lambda in`,
      fix: 'check in the SES and Lambda documentation for that partition that SES v2 sends email and Lambda runs arm64 functions there.',
    });
  }
  if (!DEPLOYABLE_REGIONS.includes(region)) {
    // The list is only partly verified and misses newer regions: no evidence yet that the region
    // lacks anything. The SES checks turn this into a problem when SES has no endpoint there.
    return result('region', {
      status: 'warn',
      summary: `${region} (from ${source}) is not in the doctor's list of regions known to offer both what the stack needs, the SES v2 API to send email and arm64 Lambda functions (DEPLOYABLE_REGIONS in cli/doctor/service-regions.ts)`,
      fix: `check in the SES and Lambda documentation that both are offered in ${region}, or ${deployElsewhereFix()}`,
    });
  }
  return result('region', { status: 'ok', summary: `${region} (from ${source})` });
}

export interface CredentialsCheck {
  readonly result: CheckResult;
  /** The account the calls run in, once the credentials work. */
  readonly account?: string;
}

const CREDENTIALS_FIX = 'configure credentials: `aws configure`, AWS_PROFILE=NAME, or `aws sso login`.';

function credentialsProblem(error: unknown): CheckResult {
  if (isNamed(error, 'CredentialsProviderError')) {
    return result('credentials', { status: 'problem', summary: 'no AWS credentials found', fix: CREDENTIALS_FIX });
  }
  if (isNamed(error, 'ExpiredToken', 'ExpiredTokenException', 'TokenProviderError', 'TokenRefreshRequired')) {
    return result('credentials', {
      status: 'problem',
      summary: `the AWS session has expired (${describeError(error)})`,
      fix: 'log in again: `aws sso login`, or renew the keys.',
    });
  }
  if (isNamed(error, 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException')) {
    return result('credentials', {
      status: 'problem',
      summary: `AWS refused the credentials (${describeError(error)})`,
      fix: CREDENTIALS_FIX,
    });
  }
  if (isNetworkError(error)) {
    return result('credentials', {
      status: 'problem',
      summary: `could not reach AWS STS (${describeError(error)})`,
      fix: 'check the network connection, the proxy settings (HTTPS_PROXY) and the region name.',
    });
  }
  return result('credentials', {
    status: 'problem',
    summary: `sts:GetCallerIdentity failed (${describeError(error)})`,
    fix: CREDENTIALS_FIX,
  });
}

/** Who the calls run as; every other AWS check needs this to pass. The ARN names no secret. */
export async function checkCredentials(sts: STSClient): Promise<CredentialsCheck> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return {
      result: result('credentials', { status: 'ok', summary: identity.Arn ?? `account ${identity.Account ?? 'unknown'}` }),
      account: identity.Account,
    };
  } catch (error) {
    return { result: credentialsProblem(error) };
  }
}

/** `cdk deploy` reads this parameter before anything else; an old or absent bootstrap stops it there. */
export async function checkBootstrap(ssm: SSMClient, qualifier: string, account: string, region: string): Promise<CheckResult> {
  const name = `/cdk-bootstrap/${qualifier}/version`;
  const bootstrap = `npx cdk bootstrap aws://${account}/${region}`;
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (isNamed(error, 'ParameterNotFound')) {
      return result('cdk-bootstrap', {
        status: 'problem',
        summary: `${account}/${region} is not bootstrapped (no ${name})`,
        fix: `run \`${bootstrap}\`.`,
      });
    }
    return result('cdk-bootstrap', couldNotCheck('ssm:GetParameter', error));
  }
  const version = Number(value);
  if (!Number.isInteger(version)) {
    return result('cdk-bootstrap', {
      status: 'warn',
      summary: `${name} holds "${value ?? ''}", not a version number`,
      fix: `run \`${bootstrap}\` to repair it.`,
    });
  }
  if (version < MIN_BOOTSTRAP_VERSION) {
    return result('cdk-bootstrap', {
      status: 'problem',
      summary: `bootstrap version ${version}; aws-cdk-lib needs ${MIN_BOOTSTRAP_VERSION} or later`,
      fix: `run \`${bootstrap}\` to upgrade it.`,
    });
  }
  return result('cdk-bootstrap', { status: 'ok', summary: `version ${version} (qualifier ${qualifier})` });
}

import {
  GetAccountCommand,
  GetConfigurationSetCommand,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { combine, couldNotCheck, describeError, isHostNotFound, isNamed, result, type CheckResult, type Finding } from './check-result';
import { DEPLOYABLE_REGIONS, deployElsewhereFix, isCommercialRegion, sesEndpointHost } from './service-regions';

interface FoundIdentity {
  /** The identity that covers the address: the address itself or its domain. */
  readonly identity: string;
  readonly details: GetEmailIdentityCommandOutput;
}

async function getIdentity(ses: SESv2Client, identity: string): Promise<FoundIdentity | undefined> {
  try {
    return { identity, details: await ses.send(new GetEmailIdentityCommand({ EmailIdentity: identity })) };
  } catch (error) {
    if (isNamed(error, 'NotFoundException')) return undefined;
    throw error;
  }
}

/**
 * SES lets an address send when the address itself or its whole domain is a verified identity: an
 * address identity still pending verification does not stop it sending through its verified
 * domain. The address identity is preferred when it is verified; otherwise the domain, when that
 * is verified; otherwise whichever exists, to report.
 */
async function findIdentity(ses: SESv2Client, address: string): Promise<FoundIdentity | undefined> {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const own = await getIdentity(ses, address);
  if (own?.details.VerifiedForSendingStatus) return own;
  const byDomain = await getIdentity(ses, domain);
  if (byDomain?.details.VerifiedForSendingStatus) return byDomain;
  return own ?? byDomain;
}

/**
 * An SES call that failed. In a commercial region outside DEPLOYABLE_REGIONS, an endpoint name that
 * does not resolve is the evidence that SES v2 is not offered there (the credentials check reached
 * STS in the same region, so the machine can resolve names); anywhere else it stays a failed check.
 */
function sesCallFailed(action: string, error: unknown, region: string): Finding {
  const host = sesEndpointHost(region);
  if (isCommercialRegion(region) && !DEPLOYABLE_REGIONS.includes(region) && isHostNotFound(error, host)) {
    return {
      status: 'problem',
      summary: `SES is not offered in ${region}: its SES v2 endpoint ${host} does not exist (${describeError(error)})`,
      fix: deployElsewhereFix(),
    };
  }
  return couldNotCheck(action, error);
}

function verifyFix(address: string, region: string): string {
  return (
    `verify it in the SES console (${region}), or run \`aws sesv2 create-email-identity --email-identity ${address} --region ${region}\` ` +
    'and open the link SES emails to it (or verify the whole domain through its DNS records).'
  );
}

/** The From address: without a verified one, the first email is refused. */
export async function checkSenderIdentity(ses: SESv2Client, senderEmail: string | undefined, region: string): Promise<CheckResult> {
  if (senderEmail === undefined) {
    return result('sender-identity', {
      status: 'problem',
      summary:
        "no senderEmail: the worker would send from each manager's own address, which SES refuses unless every manager is verified, and which fails DMARC",
      fix: 'set a verified sender: `npx cdk deploy -c senderEmail=approvals@yourdomain`, or senderEmail in cdk.json (check one with --sender-email).',
    });
  }
  let found: FoundIdentity | undefined;
  try {
    found = await findIdentity(ses, senderEmail);
  } catch (error) {
    return result('sender-identity', sesCallFailed('ses:GetEmailIdentity', error, region));
  }
  if (!found) {
    const domain = senderEmail.slice(senderEmail.lastIndexOf('@') + 1);
    return result('sender-identity', {
      status: 'problem',
      summary: `neither ${senderEmail} nor ${domain} is an SES identity in ${region}`,
      fix: verifyFix(senderEmail, region),
    });
  }
  const { identity, details } = found;
  if (!details.VerifiedForSendingStatus) {
    return result('sender-identity', {
      status: 'problem',
      summary: `${identity} is not verified in SES (${region}; status ${details.VerificationStatus ?? 'unknown'})`,
      fix: verifyFix(identity, region),
    });
  }
  const isDomain = details.IdentityType !== 'EMAIL_ADDRESS';
  const dkim = details.DkimAttributes?.Status ?? 'NOT_STARTED';
  if (isDomain && dkim !== 'SUCCESS') {
    return result('sender-identity', {
      status: 'warn',
      summary: `${senderEmail} sends through the verified domain ${identity}, but its DKIM status is ${dkim}: mail may fail DMARC or land in spam`,
      fix: `publish the DKIM CNAME records the SES console shows for ${identity} (${region}).`,
    });
  }
  return result('sender-identity', {
    status: 'ok',
    summary: isDomain ? `${senderEmail} through the verified domain ${identity} (DKIM ${dkim})` : `${senderEmail} is verified`,
  });
}

async function configurationSetFinding(ses: SESv2Client, name: string, region: string): Promise<Finding> {
  try {
    const set = await ses.send(new GetConfigurationSetCommand({ ConfigurationSetName: name }));
    if (set.SendingOptions?.SendingEnabled === false) {
      return {
        status: 'problem',
        summary: `sending is disabled for the configuration set ${name}`,
        fix: `enable it: \`aws sesv2 put-configuration-set-sending-options --configuration-set-name ${name} --sending-enabled --region ${region}\`.`,
      };
    }
    return { status: 'ok', summary: `configuration set ${name} exists` };
  } catch (error) {
    if (isNamed(error, 'NotFoundException')) {
      return {
        status: 'problem',
        summary: `the configuration set ${name} (sesConfigurationSet) does not exist in ${region}`,
        fix: `create it (\`aws sesv2 create-configuration-set --configuration-set-name ${name} --region ${region}\`) or remove sesConfigurationSet.`,
      };
    }
    return sesCallFailed('ses:GetConfigurationSet', error, region);
  }
}

/** Whether the account may send at all, to whom, and as fast as the worker will. */
export async function checkSesAccount(
  ses: SESv2Client,
  maxSendRate: number,
  configurationSet: string | undefined,
  region: string,
): Promise<CheckResult> {
  const findings: Finding[] = [];
  try {
    const account = await ses.send(new GetAccountCommand({}));
    if (account.SendingEnabled === false) {
      findings.push({
        status: 'problem',
        summary: `sending is paused for the account in ${region}`,
        fix: 'see why in the SES console, Account dashboard; resume once it is resolved.',
      });
    }
    // SES v2 GetAccount: HEALTHY; PROBATION, under review and still sending; SHUTDOWN, sending stopped.
    const enforcement = account.EnforcementStatus;
    if (enforcement === 'SHUTDOWN') {
      findings.push({
        status: 'problem',
        summary: `the account's enforcement status is SHUTDOWN: SES does not send for it in ${region}`,
        fix: 'read the notice in the SES console, Reputation metrics, fix the bounce or complaint rate, and ask AWS to review the account.',
      });
    } else if (enforcement !== undefined && enforcement !== 'HEALTHY') {
      findings.push({
        status: 'warn',
        summary: `the account's enforcement status is ${enforcement}: SES still sends, but may stop sending if the bounce or complaint rate stays high`,
        fix: 'read the notice in the SES console, Reputation metrics, and bring the bounce and complaint rates down.',
      });
    }
    if (account.ProductionAccessEnabled === false) {
      findings.push({
        status: 'warn',
        summary: 'in the SES sandbox: only verified recipients, 200 emails a day, 1 a second',
        fix: "request production access (SES console, Account dashboard); until then verify the managers' addresses.",
      });
    }
    const quota = account.SendQuota?.MaxSendRate;
    if (quota !== undefined && quota < maxSendRate) {
      findings.push({
        status: 'problem',
        summary: `maxSendRate is ${maxSendRate} emails a second, SES allows ${quota}: sends beyond that are throttled`,
        fix: `deploy with \`-c maxSendRate=${Math.max(1, Math.floor(quota))}\`, or have the SES sending quota raised.`,
      });
    }
    if (findings.length === 0) {
      findings.push({ status: 'ok', summary: `production access, up to ${quota ?? '?'} emails a second (maxSendRate ${maxSendRate})` });
    }
  } catch (error) {
    findings.push(sesCallFailed('ses:GetAccount', error, region));
  }
  if (configurationSet !== undefined) findings.push(await configurationSetFinding(ses, configurationSet, region));
  return combine('ses-account', findings);
}

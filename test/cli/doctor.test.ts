import { expect } from '@jest/globals';
import { GetAccountCommand as GetApiGatewayAccountCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetMetricStatisticsCommand, type GetMetricStatisticsCommandInput } from '@aws-sdk/client-cloudwatch';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  GetAccountCommand as GetSesAccountCommand,
  GetConfigurationSetCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { AccessDeniedException, GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import 'aws-sdk-client-mock-jest';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import {
  ACCOUNT,
  approval,
  awsError,
  CALLER_ARN,
  DEPLOYED_STACK,
  doctor,
  healthyAccount,
  mocks,
  OWN_API_GATEWAY_ROLE,
  REGION,
  resetMocks,
  SENDER,
  WORKER,
  WORKER_LOG_GROUP,
} from './doctor-fixtures';

const sesNotFound = (identity: string) => new NotFoundException({ message: `Email identity <${identity}> does not exist.`, $metadata: {} });

beforeEach(() => {
  resetMocks();
  healthyAccount();
});

describe('approval doctor on a healthy account', () => {
  test('prints one ok line per check, in order, and exits 0', async () => {
    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`approval doctor — account ${ACCOUNT}, region ${REGION}, stack HumanApproval`);
    expect(lines.slice(1, -1).map((line) => line.slice(0, 31).trimEnd())).toEqual([
      '  ok       credentials',
      '  ok       region',
      '  ok       settings',
      '  ok       cdk bootstrap',
      '  ok       sender identity',
      '  ok       SES account',
      '  ok       Lambda concurrency',
      '  ok       API Gateway role',
      '  ok       deployed stack',
      '  ok       worker health',
      '  ok       Slack app',
    ]);
    expect(lines[1]).toBe(`  ok       credentials         ${CALLER_ARN}`);
    expect(lines.at(-1)).toBe('No problems: nothing blocks a deploy.');
  });

  test.each([
    ['credentials', CALLER_ARN],
    ['region', `${REGION} (from --region)`],
    [
      'settings',
      `senderEmail ${SENDER}, maxSendRate 10, workerMaxConcurrency 2, workerReservedConcurrency 0, createApiGatewayAccountRole true`,
    ],
    ['cdk-bootstrap', 'version 30 (qualifier hnb659fds)'],
    ['sender-identity', `${SENDER} is verified`],
    ['ses-account', 'production access, up to 14 emails a second (maxSendRate 10)'],
    ['lambda-concurrency', 'account limit 1000, 1000 unreserved; the worker runs at most 2 at once, no reservation'],
    ['api-gateway-logging-role', `the stack's own role ${OWN_API_GATEWAY_ROLE}`],
    ['deployed-stack', 'UPDATE_COMPLETE; all outputs present'],
    ['worker-health', '24 runs, no errors in the last 24 hours'],
    ['slack', 'not set up (no slackSecretName): approvers are reached by email'],
  ])('%s is ok and says what it found', async (id, summary) => {
    const { checks } = await doctor();

    expect(checks[id]).toEqual({ id, status: 'ok', summary });
  });

  test('--json prints {ok, region, checks} and nothing else', async () => {
    const { json } = await doctor();

    expect(Object.keys(json)).toEqual(['ok', 'region', 'checks']);
    expect(json.ok).toBe(true);
    expect(json.region).toBe(REGION);
    expect(json.checks.map((check) => check.id)).toEqual([
      'credentials',
      'region',
      'settings',
      'cdk-bootstrap',
      'sender-identity',
      'ses-account',
      'lambda-concurrency',
      'api-gateway-logging-role',
      'deployed-stack',
      'worker-health',
      'slack',
    ]);
    for (const check of json.checks) expect(Object.keys(check)).toEqual(['id', 'status', 'summary']);
  });

  test('makes read calls only, every client in the resolved region', async () => {
    const regions: unknown[] = [];
    await doctor([], { deps: { createSesV2Client: (config) => (regions.push(config.region), new SESv2Client(config)) } });

    const sent = Object.values(mocks).flatMap((mock) => mock.calls().map((call) => (call.args[0] as object).constructor.name));
    expect(sent.length).toBeGreaterThan(8);
    for (const command of sent) expect(command).toMatch(/^(Get|Describe)\w+Command$/);
    expect(regions).toEqual([REGION, REGION]);
  });
});

describe('credentials', () => {
  test('no credentials: a problem saying how to configure them; every AWS check after it is skipped', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    const result = await doctor([], { env: { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });

    expect(result.code).toBe(1);
    expect(result.checks.credentials).toEqual({
      id: 'credentials',
      status: 'problem',
      summary: 'no AWS credentials found',
      fix: 'configure credentials: `aws configure`, AWS_PROFILE=NAME, or `aws sso login`.',
    });
    const rest = result.json.checks.slice(3);
    expect(rest).toHaveLength(8);
    for (const check of rest) expect(check).toMatchObject({ status: 'skip', summary: 'needs working credentials (see credentials)' });
    expect(mocks.ssm).not.toHaveReceivedCommand(GetParameterCommand);
    expect(mocks.ses).not.toHaveReceivedCommand(GetSesAccountCommand);
    expect(result.stdout).toContain('account unknown');
    expect(result.stderr).toBe('1 problem: fix the problems before `npm run deploy`.');
    expect(result.stdout).not.toContain('wJalrXUtnFEMI');
  });

  test('an expired session says to log in again', async () => {
    mocks.sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken', 'The security token included in the request is expired', 403));

    const result = await doctor();

    expect(result.checks.credentials).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining('has expired (ExpiredToken:'),
      fix: expect.stringContaining('aws sso login'),
    });
  });
});

describe('region', () => {
  test('taken from AWS_DEFAULT_REGION when nothing else sets one, and used for the calls', async () => {
    const result = await doctor([], { env: { AWS_DEFAULT_REGION: REGION }, region: null });

    expect(result.code).toBe(0);
    expect(result.checks.region).toMatchObject({ status: 'ok', summary: `${REGION} (from AWS_DEFAULT_REGION)` });
    expect(result.checks['cdk-bootstrap']?.status).toBe('ok');
  });

  test('none anywhere: a problem, and the regional checks are skipped', async () => {
    const result = await doctor([], {
      region: null,
      // The SDK's own chain finds nothing either (no AWS_REGION, no profile region).
      deps: {
        createStsClient: (config) =>
          new STSClient({ ...config, region: config.region ?? (() => Promise.reject<string>(new Error('Region is missing'))) }),
      },
    });

    expect(result.code).toBe(1);
    expect(result.checks.region).toEqual({
      id: 'region',
      status: 'problem',
      summary: 'no AWS region is set',
      fix: 'pass --region, set AWS_REGION, or give your profile a region (`aws configure set region eu-west-1`).',
    });
    expect(result.checks.credentials?.status).toBe('ok');
    expect(result.checks['sender-identity']).toMatchObject({ status: 'skip', summary: 'needs a region (see region)' });
    expect(result.json.region).toBeNull();
  });

  test('a commercial region missing from the list is a warning naming the list: it may be newer than the list', async () => {
    // Asia Pacific (Malaysia) opened after the list was written.
    const result = await doctor([], { region: 'ap-southeast-5' });

    expect(result.code).toBe(0);
    expect(result.checks.region).toEqual({
      id: 'region',
      status: 'warn',
      summary:
        "ap-southeast-5 (from --region) is not in the doctor's list of regions known to offer both what the stack needs, the SES v2 API to send email and arm64 Lambda functions (DEPLOYABLE_REGIONS in cli/doctor/service-regions.ts)",
      fix: expect.stringMatching(
        /^check in the SES and Lambda documentation that both are offered in ap-southeast-5, or deploy to one of us-east-1, us-east-2, .*eu-west-1, .*sa-east-1 \(pass --region, or set AWS_REGION\)\.$/,
      ),
    });
    expect(result.checks['ses-account']?.status).toBe('ok');
  });

  test('a region missing from the list whose SES v2 endpoint does not exist is a problem naming the regions to use', async () => {
    // Asia Pacific (Hong Kong) has Lambda on arm64 but no SES endpoint: its name does not resolve.
    const host = 'email.ap-east-1.amazonaws.com';
    mocks.ses.reset();
    mocks.ses.rejects(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        errno: -3008,
        syscall: 'getaddrinfo',
        hostname: host,
      }),
    );

    const result = await doctor([], { region: 'ap-east-1' });

    expect(result.code).toBe(1);
    expect(result.checks.region?.status).toBe('warn');
    for (const id of ['sender-identity', 'ses-account']) {
      expect(result.checks[id]).toEqual({
        id,
        status: 'problem',
        summary: `SES is not offered in ap-east-1: its SES v2 endpoint ${host} does not exist (Error: getaddrinfo ENOTFOUND ${host})`,
        fix: expect.stringMatching(
          /^deploy to one of us-east-1, us-east-2, .*eu-west-1, .*sa-east-1 \(pass --region, or set AWS_REGION\)\.$/,
        ),
      });
    }
  });

  test('a listed region whose SES endpoint cannot be reached keeps the could-not-check warning', async () => {
    const host = `email.${REGION}.amazonaws.com`;
    mocks.ses.reset();
    mocks.ses.rejects(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        errno: -3008,
        syscall: 'getaddrinfo',
        hostname: host,
      }),
    );

    const result = await doctor();

    expect(result.checks.region?.status).toBe('ok');
    expect(result.checks['ses-account']).toEqual({
      id: 'ses-account',
      status: 'warn',
      summary: `could not check: ses:GetAccount failed (Error: getaddrinfo ENOTFOUND ${host})`,
    });
    expect(result.checks['sender-identity']).toMatchObject({
      status: 'warn',
      summary: `could not check: ses:GetEmailIdentity failed (Error: getaddrinfo ENOTFOUND ${host})`,
    });
  });

  test('a region that offers both is ok, however few services it has besides', async () => {
    const result = await doctor([], { region: 'eu-central-2' });

    expect(result.code).toBe(0);
    expect(result.checks.region).toEqual({ id: 'region', status: 'ok', summary: 'eu-central-2 (from --region)' });
  });

  test('a region outside the commercial partition is a warning, not judged', async () => {
    const result = await doctor([], { region: 'us-gov-west-1' });

    expect(result.code).toBe(0);
    expect(result.checks.region).toMatchObject({ status: 'warn', summary: expect.stringContaining('outside the commercial AWS regions') });
  });
});

describe('settings', () => {
  test("a value cdk synth would refuse is a problem with synth's own message", async () => {
    const result = await doctor(['-c', 'maxSendRate=fast']);

    expect(result.code).toBe(1);
    expect(result.checks.settings).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining('Context value maxSendRate="fast" is not valid'),
    });
    expect(result.checks['ses-account']).toMatchObject({ status: 'skip', summary: 'needs valid settings (see settings)' });
  });
});

describe('cdk bootstrap', () => {
  test('not bootstrapped: a problem naming the exact bootstrap command', async () => {
    mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['cdk-bootstrap']).toMatchObject({
      status: 'problem',
      summary: `${ACCOUNT}/${REGION} is not bootstrapped (no /cdk-bootstrap/hnb659fds/version)`,
      fix: `run \`npx cdk bootstrap aws://${ACCOUNT}/${REGION}\`.`,
    });
  });

  test('an old bootstrap stack is a problem; a custom qualifier from the context is the one read', async () => {
    mocks.ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/team42/version' }).resolves({ Parameter: { Value: '5' } });

    const result = await doctor(['-c', '@aws-cdk/core:bootstrapQualifier=team42']);

    expect(result.checks['cdk-bootstrap']).toMatchObject({
      status: 'problem',
      summary: 'bootstrap version 5; aws-cdk-lib needs 6 or later',
      fix: `run \`npx cdk bootstrap aws://${ACCOUNT}/${REGION}\` to upgrade it.`,
    });
  });

  test('no permission to read the parameter is a warning naming the action, not a problem', async () => {
    mocks.ssm.on(GetParameterCommand).rejects(
      new AccessDeniedException({
        message: `User: ${CALLER_ARN} is not authorized to perform: ssm:GetParameter`,
        Message: undefined,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['cdk-bootstrap']).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/^could not check: the caller may not call ssm:GetParameter \(AccessDeniedException: User: /),
    });
    expect(result.checks['cdk-bootstrap']?.fix).toContain('allow ssm:GetParameter');
    expect(result.stdout.split('\n').at(-1)).toBe('No problems, 1 warning: nothing blocks a deploy, but read the warnings.');
  });
});

describe('sender identity', () => {
  test('no senderEmail: a problem explaining the manager-address fallback and how to set one', async () => {
    const result = await doctor(['-c', 'senderEmail=']);

    expect(result.code).toBe(1);
    expect(result.checks['sender-identity']).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining(
        "the worker would send from each manager's own address, which SES refuses unless every manager is verified, and which fails DMARC",
      ),
      fix: expect.stringContaining('-c senderEmail=approvals@yourdomain'),
    });
    expect(mocks.ses).not.toHaveReceivedCommand(GetEmailIdentityCommand);
  });

  test('an unverified address is a problem saying how to verify it', async () => {
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: SENDER })
      .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });
    mocks.ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).rejects(sesNotFound('example.com'));

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['sender-identity']).toMatchObject({
      status: 'problem',
      summary: `${SENDER} is not verified in SES (${REGION}; status PENDING)`,
      fix: expect.stringContaining(`aws sesv2 create-email-identity --email-identity ${SENDER} --region ${REGION}`),
    });
    expect(result.stdout).toMatch(
      new RegExp(
        `^  problem  sender identity     ${SENDER} is not verified in SES \\(${REGION}; status PENDING\\)\\n {11}fix: verify it`,
        'm',
      ),
    );
  });

  test('--sender-email is checked through its verified domain; a domain without DKIM is a warning', async () => {
    mocks.ses.on(GetEmailIdentityCommand).rejects(sesNotFound('any'));
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: 'corp.example' })
      .resolves({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS' } });
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: 'new.example' })
      .resolves({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: true, DkimAttributes: { Status: 'PENDING' } });

    const signed = await doctor(['--sender-email', 'hr@corp.example']);
    const unsigned = await doctor(['--sender-email', 'hr@new.example']);

    expect(mocks.ses).toHaveReceivedCommandWith(GetEmailIdentityCommand, { EmailIdentity: 'hr@corp.example' });
    expect(signed.checks['sender-identity']).toMatchObject({
      status: 'ok',
      summary: 'hr@corp.example through the verified domain corp.example (DKIM SUCCESS)',
    });
    expect(unsigned.code).toBe(0);
    expect(unsigned.checks['sender-identity']).toMatchObject({
      status: 'warn',
      summary:
        'hr@new.example sends through the verified domain new.example, but its DKIM status is PENDING: mail may fail DMARC or land in spam',
      fix: `publish the DKIM CNAME records the SES console shows for new.example (${REGION}).`,
    });
  });

  test('an address still pending verification sends through its verified domain: ok', async () => {
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: SENDER })
      .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' })
      .resolves({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS' } });

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['sender-identity']).toEqual({
      id: 'sender-identity',
      status: 'ok',
      summary: `${SENDER} through the verified domain example.com (DKIM SUCCESS)`,
    });
  });

  test('an address pending verification whose domain is not verified either: a problem about the address', async () => {
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: SENDER })
      .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });
    mocks.ses
      .on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' })
      .resolves({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['sender-identity']).toMatchObject({
      status: 'problem',
      summary: `${SENDER} is not verified in SES (${REGION}; status PENDING)`,
    });
  });

  test('neither the address nor its domain is an identity: a problem', async () => {
    mocks.ses.on(GetEmailIdentityCommand).rejects(sesNotFound(SENDER));

    const result = await doctor();

    expect(result.checks['sender-identity']).toMatchObject({
      status: 'problem',
      summary: `neither ${SENDER} nor example.com is an SES identity in ${REGION}`,
    });
  });
});

describe('SES account', () => {
  test('the sandbox is a warning; a send rate above the quota is a problem saying which value to use', async () => {
    mocks.ses.on(GetSesAccountCommand).resolves({
      SendingEnabled: true,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: false,
      SendQuota: { MaxSendRate: 1, Max24HourSend: 200 },
    });

    const result = await doctor();

    expect(result.code).toBe(1);
    const check = result.checks['ses-account'];
    expect(check?.status).toBe('problem');
    expect(check?.summary).toBe(
      'maxSendRate is 10 emails a second, SES allows 1: sends beyond that are throttled; in the SES sandbox: only verified recipients, 200 emails a day, 1 a second',
    );
    expect(check?.fix).toBe(
      "deploy with `-c maxSendRate=1`, or have the SES sending quota raised; request production access (SES console, Account dashboard); until then verify the managers' addresses.",
    );
  });

  test('paused sending or a bad enforcement status is a problem', async () => {
    mocks.ses
      .on(GetSesAccountCommand)
      .resolves({ SendingEnabled: false, EnforcementStatus: 'SHUTDOWN', ProductionAccessEnabled: true, SendQuota: { MaxSendRate: 14 } });

    const result = await doctor();

    expect(result.checks['ses-account']).toMatchObject({
      status: 'problem',
      summary: `sending is paused for the account in ${REGION}; the account's enforcement status is SHUTDOWN: SES does not send for it in ${REGION}`,
    });
  });

  test('enforcement status SHUTDOWN stops sending: a problem even while sending is not paused', async () => {
    mocks.ses
      .on(GetSesAccountCommand)
      .resolves({ SendingEnabled: true, EnforcementStatus: 'SHUTDOWN', ProductionAccessEnabled: true, SendQuota: { MaxSendRate: 14 } });

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['ses-account']).toMatchObject({
      status: 'problem',
      summary: `the account's enforcement status is SHUTDOWN: SES does not send for it in ${REGION}`,
    });
  });

  test('enforcement status PROBATION still sends: a warning, and nothing blocks', async () => {
    mocks.ses
      .on(GetSesAccountCommand)
      .resolves({ SendingEnabled: true, EnforcementStatus: 'PROBATION', ProductionAccessEnabled: true, SendQuota: { MaxSendRate: 14 } });

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['ses-account']).toMatchObject({
      status: 'warn',
      summary:
        "the account's enforcement status is PROBATION: SES still sends, but may stop sending if the bounce or complaint rate stays high",
      fix: 'read the notice in the SES console, Reputation metrics, and bring the bounce and complaint rates down.',
    });
  });

  test('a configured configuration set must exist', async () => {
    mocks.ses
      .on(GetConfigurationSetCommand, { ConfigurationSetName: 'approval-events' })
      .resolves({ ConfigurationSetName: 'approval-events', SendingOptions: { SendingEnabled: true } });
    mocks.ses
      .on(GetConfigurationSetCommand, { ConfigurationSetName: 'approval-evnets' })
      .rejects(new NotFoundException({ message: 'Configuration set <approval-evnets> does not exist.', $metadata: {} }));

    const present = await doctor(['-c', 'sesConfigurationSet=approval-events']);
    const missing = await doctor(['-c', 'sesConfigurationSet=approval-evnets']);

    expect(present.checks['ses-account']).toMatchObject({
      status: 'ok',
      summary: 'production access, up to 14 emails a second (maxSendRate 10); configuration set approval-events exists',
    });
    expect(missing.code).toBe(1);
    expect(missing.checks['ses-account']).toMatchObject({
      status: 'problem',
      summary: `the configuration set approval-evnets (sesConfigurationSet) does not exist in ${REGION}`,
      fix: expect.stringContaining('aws sesv2 create-configuration-set --configuration-set-name approval-evnets'),
    });
  });
});

describe('Lambda concurrency', () => {
  test('a reservation that leaves fewer than 100 unreserved is a problem pointing to the default', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id HumanApproval does not exist'));
    mocks.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });

    const result = await doctor(['-c', 'workerReservedConcurrency=2']);

    expect(result.code).toBe(1);
    expect(result.checks['lambda-concurrency']).toMatchObject({
      status: 'problem',
      summary:
        "workerReservedConcurrency=2 would leave 8 of the account's 10 concurrent executions unreserved; Lambda refuses a reservation that leaves fewer than 100",
      fix: expect.stringContaining('`-c workerReservedConcurrency=0` (the default'),
    });
  });

  test("once deployed, the worker's own reservation is not counted twice", async () => {
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 1_000, UnreservedConcurrentExecutions: 150 } });
    mocks.lambda.on(GetFunctionConcurrencyCommand, { FunctionName: WORKER }).resolves({ ReservedConcurrentExecutions: 850 });

    const result = await doctor(['-c', 'workerReservedConcurrency=850']);

    expect(result.checks['lambda-concurrency']).toMatchObject({
      status: 'ok',
      summary: 'account limit 1000, 150 unreserved; the worker runs at most 2 at once, 850 reserved',
    });
  });

  test('an account limit below workerMaxConcurrency + 1 is a warning', async () => {
    mocks.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 2, UnreservedConcurrentExecutions: 2 } });

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['lambda-concurrency']).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('at most 2 Lambda executions at once'),
    });
  });

  test('an AWS error becomes the check result, with its name and message', async () => {
    mocks.lambda.on(GetAccountSettingsCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded', 429));

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['lambda-concurrency']).toMatchObject({
      status: 'warn',
      summary: 'could not check: lambda:GetAccountSettings failed (TooManyRequestsException: Rate exceeded)',
    });
  });
});

describe('API Gateway logging role', () => {
  test('no role and createApiGatewayAccountRole=false: a problem, the deploy would fail', async () => {
    mocks.apiGateway.on(GetApiGatewayAccountCommand).resolves({});

    const result = await doctor(['-c', 'createApiGatewayAccountRole=false']);

    expect(result.code).toBe(1);
    expect(result.checks['api-gateway-logging-role']).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining('"CloudWatch Logs role ARN must be set in account settings"'),
      fix: 'deploy with `-c createApiGatewayAccountRole=true` (the default), or set a role in the API Gateway console, Settings.',
    });
  });

  test("someone else's role with createApiGatewayAccountRole=true is a warning; none yet is ok", async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/platform/apigateway-cloudwatch`;
    mocks.apiGateway.on(GetApiGatewayAccountCommand).resolves({ cloudwatchRoleArn: other });
    const taken = await doctor();
    mocks.apiGateway.on(GetApiGatewayAccountCommand).resolves({});
    const free = await doctor();

    expect(taken.checks['api-gateway-logging-role']).toMatchObject({
      status: 'warn',
      summary: `the account already uses the role ${other}; the stack will point the account setting at its own role instead`,
      fix: expect.stringContaining('-c createApiGatewayAccountRole=false'),
    });
    expect(free.checks['api-gateway-logging-role']).toMatchObject({
      status: 'ok',
      summary: 'no CloudWatch Logs role set yet; the stack creates one',
    });
  });
});

describe('deployed stack', () => {
  test('not deployed yet is a skip, not a problem, and the worker check is skipped too', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id HumanApproval does not exist'));

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['deployed-stack']).toEqual({
      id: 'deployed-stack',
      status: 'skip',
      summary: `HumanApproval is not deployed yet in ${REGION}`,
    });
    expect(result.checks['worker-health']).toEqual({ id: 'worker-health', status: 'skip', summary: 'the stack is not deployed yet' });
    expect(result.stdout.split('\n').at(-1)).toBe('No problems (2 checks skipped): nothing blocks a deploy.');
  });

  test('missing outputs and a failed first deploy are problems', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          ...DEPLOYED_STACK,
          StackStatus: 'ROLLBACK_COMPLETE',
          Outputs: DEPLOYED_STACK.Outputs?.filter((output) => output.OutputKey === STACK_OUTPUTS.approvalApiUrl),
        },
      ],
    });

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['deployed-stack']).toMatchObject({
      status: 'problem',
      summary:
        'ROLLBACK_COMPLETE: the first deploy failed, and such a stack cannot be updated; HumanApproval lacks the outputs StateMachineArn, ActivityArn, WorkerFunctionName',
      fix: expect.stringContaining(`aws cloudformation describe-stack-events --stack-name HumanApproval --region ${REGION}`),
    });
    expect(result.checks['worker-health']).toMatchObject({ status: 'skip', summary: 'the stack has no WorkerFunctionName output' });
  });
});

describe('worker health', () => {
  test('runs without errors in the last 24 hours are ok', async () => {
    const result = await doctor();

    expect(result.checks['worker-health']?.status).toBe('ok');
    const input = mocks.cloudWatch.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input as GetMetricStatisticsCommandInput;
    expect(input).toMatchObject({ Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: WORKER }], Statistics: ['Sum'] });
    expect((input.EndTime as Date).getTime() - (input.StartTime as Date).getTime()).toBe(24 * 3_600_000);
  });

  test("errors are a problem pointing at the worker's log group from the stack output", async () => {
    mocks.cloudWatch.on(GetMetricStatisticsCommand, { MetricName: 'Errors' }).resolves({ Datapoints: [{ Sum: 2 }, { Sum: 1 }] });

    const result = await doctor();

    expect(result.code).toBe(1);
    expect(result.checks['worker-health']).toEqual({
      id: 'worker-health',
      status: 'problem',
      summary: `3 failed runs of ${WORKER} in the last 24 hours`,
      fix: `read the worker's log group: \`aws logs tail ${WORKER_LOG_GROUP} --since 24h\`.`,
    });
  });

  test("without a WorkerLogGroupName output the fix says the worker's log group, not a guessed name", async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        { ...DEPLOYED_STACK, Outputs: DEPLOYED_STACK.Outputs?.filter((output) => output.OutputKey !== STACK_OUTPUTS.workerLogGroupName) },
      ],
    });
    mocks.cloudWatch.on(GetMetricStatisticsCommand, { MetricName: 'Errors' }).resolves({ Datapoints: [{ Sum: 1 }] });

    const result = await doctor();

    expect(result.checks['worker-health']?.fix).toContain("read the worker's log group (");
    expect(result.stdout).not.toContain('/aws/lambda/');
  });

  test('no runs in 24 hours is a warning that the schedule has not run', async () => {
    mocks.cloudWatch.on(GetMetricStatisticsCommand, { MetricName: 'Invocations' }).resolves({ Datapoints: [] });

    const result = await doctor();

    expect(result.code).toBe(0);
    expect(result.checks['worker-health']).toMatchObject({
      status: 'warn',
      summary: 'no runs in the last 24 hours: the safety-net schedule (every 60 minutes) has not started the worker',
      fix: "check that the stack's EventBridge rule is enabled (EventBridge console, Rules).",
    });
  });
});

describe('arguments', () => {
  test.each([
    [['doctor', '--local'], 'doctor checks an AWS account'],
    [['doctor', '--sender-email', 'approvals'], '--sender-email "approvals" is not an email address.'],
    [['doctor', '-c', 'maxSendRate'], '-c wants name=value'],
    [['doctor', '--region', 'Ireland'], '--region "Ireland" is not an AWS region'],
    [['doctor', '--verbose'], 'Unknown option --verbose for `approval doctor`.'],
  ])('%j is a usage error (exit 2) before any AWS call', async (args, message) => {
    const result = await approval(args);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('approval doctor --help');
    expect(mocks.sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  test('--help prints the usage, with the exit codes', async () => {
    const result = await approval(['doctor', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: approval doctor/);
    expect(result.stdout).toContain('Exit codes: 0 nothing blocks a deploy (ok, warn, skip), 1 a check found a problem, 2 bad arguments.');
  });
});

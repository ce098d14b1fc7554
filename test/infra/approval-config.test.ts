import { ApprovalConfigError, executionTimeoutSeconds, readApprovalConfig } from '../../infra/approval-config';

const from = (context: Record<string, unknown>) => readApprovalConfig((key) => context[key]);

describe('readApprovalConfig', () => {
  it('has sane defaults: a day between reminders, two reminders, no reserved concurrency, no API tracing', () => {
    expect(from({})).toEqual({
      senderEmail: undefined,
      sesConfigurationSet: undefined,
      reminderIntervalSeconds: 86_400,
      reminderCount: 2,
      workerScheduleMinutes: 60,
      workerMaxConcurrency: 2,
      workerReservedConcurrency: 0,
      maxSendRate: 10,
      deliveryRetryIntervalSeconds: 60,
      deliveryRetryAttempts: 4,
      apiThrottlingRateLimit: 10,
      apiThrottlingBurstLimit: 20,
      createApiGatewayAccountRole: true,
      linkMode: 'direct',
      apiTracing: false,
      alarmEmail: undefined,
      dashboard: false,
    });
  });

  it('reads the deployment settings: configuration set, reserved concurrency, tracing opt-in, alarm address', () => {
    expect(
      from({ sesConfigurationSet: 'approvals-events', workerReservedConcurrency: '4', apiTracing: 'true', alarmEmail: 'ops@example.com' }),
    ).toMatchObject({
      sesConfigurationSet: 'approvals-events',
      workerReservedConcurrency: 4,
      apiTracing: true,
      alarmEmail: 'ops@example.com',
    });
  });

  it('reads the Slack secret name, trimmed; none when unset or empty', () => {
    expect(from({ slackSecretName: ' prod/approvals-slack ' }).slackSecretName).toBe('prod/approvals-slack');
    expect(from({ slackSecretName: '' }).slackSecretName).toBeUndefined();
    expect(from({}).slackSecretName).toBeUndefined();
  });

  it('reads numbers given as `-c name=value` strings and as cdk.json numbers', () => {
    expect(from({ reminderIntervalSeconds: '3600', reminderCount: 0, senderEmail: ' approvals@example.com ' })).toMatchObject({
      reminderIntervalSeconds: 3600,
      reminderCount: 0,
      senderEmail: 'approvals@example.com',
    });
  });

  it.each([
    [
      { reminderIntervalSeconds: 'soon' },
      'Context value reminderIntervalSeconds="soon" is not valid: use a whole number of seconds from 1 to 31536000.',
    ],
    [{ reminderIntervalSeconds: 0 }, 'reminderIntervalSeconds=0 is not valid'],
    [{ reminderCount: 21 }, 'reminderCount=21 is not valid: use a whole number of reminders from 0 to 20.'],
    [{ reminderCount: 1.5 }, 'reminderCount=1.5 is not valid'],
    [{ workerScheduleMinutes: '0' }, 'workerScheduleMinutes="0" is not valid'],
    [{ senderEmail: 'Approvals <a@example.com>' }, 'Context value senderEmail="Approvals <a@example.com>" is not an email address.'],
    [{ senderEmail: 42 }, 'senderEmail=42 is not valid'],
    [{ linkMode: 'scan-safe' }, 'Context value linkMode="scan-safe" is not valid: use direct or confirm.'],
    [
      { workerMaxConcurrency: 0 },
      'workerMaxConcurrency=0 is no longer needed: the stack reserves no Lambda concurrency unless workerReservedConcurrency is set',
    ],
    [{ workerReservedConcurrency: -1 }, 'workerReservedConcurrency=-1 is not valid'],
    [{ sesConfigurationSet: 'my set' }, 'sesConfigurationSet="my set" is not a configuration set name'],
    [{ slackSecretName: 'slack app!' }, 'slackSecretName="slack app!" is not a secret name: use ASCII letters, digits and /_+=.@-'],
    [{ slackSecretName: 7 }, 'slackSecretName=7 is not valid: use the name of a Secrets Manager secret.'],
    [{ alarmEmail: 'ops' }, 'Context value alarmEmail="ops" is not an email address.'],
    [{ apiTracing: 'on' }, 'apiTracing="on" is not valid: use true or false.'],
    [{ createApiGatewayAccountRole: 'yes' }, 'createApiGatewayAccountRole="yes" is not valid: use true or false.'],
    [{ apiThrottlingRateLimit: 50, apiThrottlingBurstLimit: 10 }, 'apiThrottlingBurstLimit=10 is smaller than apiThrottlingRateLimit=50'],
    [{ reminderIntervalSeconds: 2_592_000, reminderCount: 20 }, 'more than the one year a Step Functions execution may run'],
  ])('stops synth with a message naming the bad value (%#)', (context, message) => {
    expect(() => from(context)).toThrow(ApprovalConfigError);
    expect(() => from(context)).toThrow(message);
  });

  it('says how to set a value', () => {
    expect(() => from({ reminderCount: -1 })).toThrow('Set it in cdk.json under "context", or with `-c name=value`');
  });
});

describe('executionTimeoutSeconds', () => {
  it('leaves room for every attempt, its pick-up and every delivery retry', () => {
    const config = from({ reminderIntervalSeconds: 3600, reminderCount: 2, workerScheduleMinutes: 1, deliveryRetryAttempts: 0 });

    expect(executionTimeoutSeconds(config)).toBe(3 * (60 + 300 + 3600) + 3600);
    expect(executionTimeoutSeconds(from({ ...config, deliveryRetryAttempts: 2, deliveryRetryIntervalSeconds: 60 }))).toBe(
      3 * (360 + 3600 + (60 + 360) + (120 + 360)) + 3600,
    );
  });
});

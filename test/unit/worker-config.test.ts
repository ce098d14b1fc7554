import { readWorkerConfig } from '../../functions/approval-worker/config';

const good = {
  ACTIVITY_ARN: 'arn:aws:states:eu-west-1:123456789012:activity:HumanApproval-ManualApproval',
  APPROVAL_API_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/respond',
};

describe('readWorkerConfig', () => {
  it('reads the settings and treats an empty sender as "send from the manager\'s address"', () => {
    expect(readWorkerConfig({ ...good, SENDER_EMAIL: '' })).toEqual({
      activityArn: good.ACTIVITY_ARN,
      approvalApiUrl: good.APPROVAL_API_URL,
      senderEmail: undefined,
      maxSendRate: 1,
      sesConfigurationSet: undefined,
      slots: undefined,
      metricsNamespace: 'HumanApproval',
    });
    expect(readWorkerConfig({ ...good, MAX_SEND_RATE: '2.5' }).maxSendRate).toBe(2.5);
    expect(readWorkerConfig({ ...good, SENDER_EMAIL: 'approvals@example.com' }).senderEmail).toBe('approvals@example.com');
  });

  it('reads the worker slots, the configuration set and the metrics namespace the stack sets', () => {
    expect(
      readWorkerConfig({
        ...good,
        WORKER_SLOTS_TABLE: 'HumanApproval-WorkerSlots',
        WORKER_SLOTS: '3',
        SES_CONFIGURATION_SET: 'events',
        POWERTOOLS_METRICS_NAMESPACE: 'Approvals',
      }),
    ).toMatchObject({
      slots: { tableName: 'HumanApproval-WorkerSlots', count: 3 },
      sesConfigurationSet: 'events',
      metricsNamespace: 'Approvals',
    });
  });

  it("has no Slack unless the stack names the Slack secret, and then uses Slack's API unless told otherwise", () => {
    const secretId = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:approval-slack-AbCdEf';

    expect(readWorkerConfig(good).slack).toBeUndefined();
    expect(readWorkerConfig({ ...good, SLACK_SECRET_ID: ' ' }).slack).toBeUndefined();
    expect(readWorkerConfig({ ...good, SLACK_SECRET_ID: secretId }).slack).toEqual({ secretId, apiUrl: 'https://slack.com/api/' });
    expect(readWorkerConfig({ ...good, SLACK_SECRET_ID: secretId, SLACK_API_URL: 'http://127.0.0.1:8788/api' }).slack).toEqual({
      secretId,
      apiUrl: 'http://127.0.0.1:8788/api/',
    });
  });

  it.each([
    [{ APPROVAL_API_URL: good.APPROVAL_API_URL }, 'Environment variable ACTIVITY_ARN is not set'],
    [{ ...good, ACTIVITY_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:x' }, 'is not a Step Functions activity ARN'],
    [{ ACTIVITY_ARN: good.ACTIVITY_ARN }, 'Environment variable APPROVAL_API_URL is not set'],
    [{ ...good, APPROVAL_API_URL: 'ftp://x' }, 'is not an http(s) URL'],
    [{ ...good, SENDER_EMAIL: 'Approvals <a@example.com>' }, 'SENDER_EMAIL "Approvals <a@example.com>" is not an email address'],
    [{ ...good, MAX_SEND_RATE: 'fast' }, 'MAX_SEND_RATE "fast" is not a positive number of emails per second'],
    [{ ...good, MAX_SEND_RATE: '0' }, 'MAX_SEND_RATE "0" is not a positive number'],
    [{ ...good, WORKER_SLOTS_TABLE: 'slots' }, 'WORKER_SLOTS undefined is not a whole number of worker slots'],
    [{ ...good, WORKER_SLOTS_TABLE: 'slots', WORKER_SLOTS: '0' }, 'WORKER_SLOTS "0" is not a whole number of worker slots'],
    [{ ...good, SLACK_SECRET_ID: 'slack', SLACK_API_URL: 'slack.com/api' }, 'SLACK_API_URL "slack.com/api" is not an http(s) URL'],
  ])('says which setting is wrong (%#)', (env, message) => {
    expect(() => readWorkerConfig(env)).toThrow(message);
  });
});

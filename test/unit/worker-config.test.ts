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
    });
    expect(readWorkerConfig({ ...good, MAX_SEND_RATE: '2.5' }).maxSendRate).toBe(2.5);
    expect(readWorkerConfig({ ...good, SENDER_EMAIL: 'approvals@example.com' }).senderEmail).toBe('approvals@example.com');
  });

  it.each([
    [{ APPROVAL_API_URL: good.APPROVAL_API_URL }, 'Environment variable ACTIVITY_ARN is not set'],
    [{ ...good, ACTIVITY_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:x' }, 'is not a Step Functions activity ARN'],
    [{ ACTIVITY_ARN: good.ACTIVITY_ARN }, 'Environment variable APPROVAL_API_URL is not set'],
    [{ ...good, APPROVAL_API_URL: 'ftp://x' }, 'is not an http(s) URL'],
    [{ ...good, SENDER_EMAIL: 'Approvals <a@example.com>' }, 'SENDER_EMAIL "Approvals <a@example.com>" is not an email address'],
    [{ ...good, MAX_SEND_RATE: 'fast' }, 'MAX_SEND_RATE "fast" is not a positive number of emails per second'],
    [{ ...good, MAX_SEND_RATE: '0' }, 'MAX_SEND_RATE "0" is not a positive number'],
  ])('says which setting is wrong (%#)', (env, message) => {
    expect(() => readWorkerConfig(env)).toThrow(message);
  });
});

import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drainActivityTasks, type DrainDependencies, type WorkerLogger } from '../../functions/approval-worker/drain-activity-tasks';
import type { WorkerConfig } from '../../functions/approval-worker/config';

/**
 * An execution name is whoever called StartExecution's choice, and Step Functions allows
 * bidirectional controls in it: the worker's log lines and emails must not carry them raw.
 */

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);

const WORKER_CONFIG: WorkerConfig = {
  activityArn: 'arn:aws:states:us-east-1:123456789012:activity:approval',
  approvalApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/respond/',
  senderEmail: undefined,
  maxSendRate: 1000,
  sesConfigurationSet: undefined,
  slots: undefined,
  metricsNamespace: 'HumanApproval',
};

// "deploy-42" shown, "deploy-24" stored: U+202E reverses what follows it.
const SPOOFED_NAME = 'deploy-\u202e24\u202c-\u2066x\u2069';
const HIDDEN = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb]/;

describe('the worker and an execution name with bidirectional controls', () => {
  let lines: string[];
  let deps: DrainDependencies;

  beforeEach(() => {
    sfnMock.reset();
    sesMock.reset();
    lines = [];
    // What Powertools Logger writes: one JSON document per line.
    const at =
      (level: string) =>
      (message: string, ...extra: unknown[]) =>
        lines.push(JSON.stringify({ level, message, ...Object.assign({}, ...extra) }));
    const logger: WorkerLogger = { info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    deps = {
      sfn: new SFNClient({}),
      ses: new SESv2Client({}),
      config: WORKER_CONFIG,
      logger,
      remainingTimeMs: () => 290_000,
      now: () => new Date('2026-11-21T10:00:00Z'),
      sleep: () => Promise.resolve(),
    };
  });

  function queueTask(executionName: string): void {
    const input = {
      request: { approvers: ['ana@example.com'], policy: 'any', subject: 'Deploy release 42', details: {} },
      approver: 'ana@example.com',
      attempt: 1,
      reminderCount: 2,
      reminderIntervalSeconds: 3600,
      executionName,
    };
    sfnMock
      .on(GetActivityTaskCommand)
      .resolvesOnce({ taskToken: 'token-1', input: JSON.stringify(input) })
      .resolves({});
  }

  it('logs the name with its controls escaped, and emails it without them', async () => {
    queueTask(SPOOFED_NAME);

    await drainActivityTasks(deps);

    const sent = lines.find((line) => line.includes('Sent an approval request'));
    expect(sent).toBeDefined();
    expect(lines.join('\n')).not.toMatch(HIDDEN);
    expect(JSON.parse(sent ?? '{}')).toMatchObject({ executionName: 'deploy-\\u202e24\\u202c-\\u2066x\\u2069' });
    const email = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect(`${email?.Subject?.Data}${email?.Body?.Html?.Data}${email?.Body?.Text?.Data}`).not.toMatch(HIDDEN);
    expect(email?.Body?.Text?.Data).toContain('Request: deploy-24-x');
  });

  it('logs a name with a soft hyphen, an invisible operator and tag characters escaped, and emails it without them', async () => {
    // "ok" in tag characters: invisible, yet there for whatever reads the text.
    queueTask('deploy\u00ad-42\u2063-\u{e006f}\u{e006b}');

    await drainActivityTasks(deps);

    const sent = lines.find((line) => line.includes('Sent an approval request'));
    expect(JSON.parse(sent ?? '{}')).toMatchObject({ executionName: 'deploy\\u00ad-42\\u2063-\\udb40\\udc6f\\udb40\\udc6b' });
    const email = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple;
    expect(`${email?.Body?.Html?.Data}${email?.Body?.Text?.Data}`).not.toMatch(/[\u00ad\u2063]|\udb40[\udc00-\udc7f]/);
    expect(email?.Body?.Text?.Data).toMatch(/^Request: deploy-42-$/m);
  });
});

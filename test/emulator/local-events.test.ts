import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { InvalidEventPatternError } from '../../local/events/event-pattern';
import { type LocalEvent, type LocalEvents, startLocalEvents } from '../../local/events/server';
import { executionStatusChangeEvent } from '../../local/events/step-functions-events';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';

/**
 * The local EventBridge through the AWS SDK's own client, and what the local stack does with it:
 * publish an AWS service's event, match it against rules, hand it to their targets. Answers follow
 * the "Amazon EventBridge API Reference" and, where noted, EventBridge's answers as LocalStack
 * recorded them (github.com/localstack/localstack, tests/aws/services/events/test_events.snapshot.json,
 * commit 8b9a79f05846835cf4dff63ab7eefdde9df83783).
 */

const RELEASE_DETAIL = JSON.stringify({ release: 'v2.14.0', requestedBy: 'ana.silva@example.com' });
const release = (fields: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'com.example.releases',
  DetailType: 'Release Requested',
  Detail: RELEASE_DETAIL,
  ...fields,
});

const STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:ReleaseApproval`;
const failedExecution = (name: string) =>
  executionStatusChangeEvent({
    executionArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:ReleaseApproval:${name}`,
    stateMachineArn: STATE_MACHINE_ARN,
    name,
    status: 'FAILED',
    startDate: new Date('2024-06-03T09:00:00Z'),
    stopDate: new Date('2024-06-03T09:12:44Z'),
    input: '{"release":"v2.14.0"}',
    error: 'Approval.Rejected',
    cause: 'Rejected by ana.silva@example.com',
  });

let events: LocalEvents;
let client: EventBridgeClient;
beforeEach(async () => {
  events = await startLocalEvents({ port: 0, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  events.createEventBus('releases');
  client = new EventBridgeClient({ endpoint: events.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});
afterEach(async () => {
  client.destroy();
  await events.close();
});

describe('PutEvents', () => {
  it('stores each entry as an event of its bus and answers its EventId', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          release({ Time: new Date('2024-06-03T09:12:44.512Z'), Resources: ['arn:aws:codepipeline:us-east-1:123456789012:release'] }),
          release({ EventBusName: 'releases' }),
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(0);
    const stored = events.events();
    expect(answer.Entries?.map((entry) => entry.EventId)).toEqual(stored.map((item) => item.event.id));
    expect(stored[0]).toEqual({
      eventBusName: 'default',
      matched: [],
      event: {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        'detail-type': 'Release Requested',
        source: 'com.example.releases',
        account: LOCAL_ACCOUNT,
        time: '2024-06-03T09:12:44Z',
        region: LOCAL_REGION,
        resources: ['arn:aws:codepipeline:us-east-1:123456789012:release'],
        detail: { release: 'v2.14.0', requestedBy: 'ana.silva@example.com' },
      },
    });
    expect(stored[1]?.eventBusName).toBe('releases');
  });

  it('takes the bus by its ARN', async () => {
    await client.send(
      new PutEventsCommand({ Entries: [release({ EventBusName: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/releases` })] }),
    );

    expect(events.events().map((item) => item.eventBusName)).toEqual(['releases']);
  });

  // Recorded: test_put_events_without_source, test_put_event_without_detail_type (DetailType ""),
  // test_put_event_without_detail and test_put_event_malformed_detail[STRING|ARRAY|MALFORMED_JSON|SERIALIZED_STRING].
  it('refuses each bad entry on its own, in Entries[i], and stores the others', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          release({ Source: undefined }),
          release({ DetailType: '' }),
          release({ Detail: undefined }),
          release(),
          release({ Detail: 'NotJSON' }),
          release({ Detail: '[]' }),
          release({ Detail: '{{}' }),
          release({ Detail: JSON.stringify('NotJSON') }),
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(7);
    const malformed = { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    expect(answer.Entries).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { EventId: events.events()[0]?.event.id },
      malformed,
      malformed,
      malformed,
      malformed,
    ]);
    expect(events.events()).toHaveLength(1);
  });

  it("refuses an entry in AWS's own namespace, so that no caller can publish as Step Functions (NotAuthorizedForSourceException)", async () => {
    const before = events.events().length;

    const answer = await client.send(new PutEventsCommand({ Entries: [release({ Source: 'aws.states' }), release()] }));

    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toEqual({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' });
    expect(
      events
        .events()
        .slice(before)
        .map((stored) => stored.event.source),
    ).not.toContain('aws.states');
  });

  // Recorded: test_put_events_nonexistent_event_bus. EventBridge gives the entry an EventId and
  // delivers it nowhere.
  it('accepts an entry for a bus that does not exist, and delivers it nowhere', async () => {
    const delivered: LocalEvent[] = [];
    events.putRule({
      name: 'all-releases',
      eventBusName: 'default',
      eventPattern: { source: ['com.example.releases'] },
      targets: [{ id: 'audit', deliver: (event) => Promise.resolve(void delivered.push(event)) }],
    });

    const answer = await client.send(new PutEventsCommand({ Entries: [release({ EventBusName: 'no-such-bus' })] }));
    await events.settled();

    expect(answer).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) as unknown }] });
    expect(events.events()).toEqual([expect.objectContaining({ eventBusName: 'no-such-bus', matched: [] })]);
    expect(delivered).toEqual([]);
  });

  it('refuses more than 10 entries, and entries over 256 KB in total, as a whole', async () => {
    const eleven = client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => release()) }));
    // Recorded: test_put_event_with_too_big_detail, a Detail of exactly 256 KB.
    const tooBig = client.send(
      new PutEventsCommand({ Entries: [release({ Detail: JSON.stringify({ payload: ['p'.repeat(256 * 1024 - 17)] }) })] }),
    );

    await expect(eleven).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10') as unknown,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(tooBig).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(events.events()).toEqual([]);
  });
});

describe('DescribeEventBus and ListRules', () => {
  it('describes the default bus, and another by its ARN', async () => {
    const byDefault = await client.send(new DescribeEventBusCommand({}));
    const byArn = await client.send(
      new DescribeEventBusCommand({ Name: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/releases` }),
    );

    expect(byDefault).toMatchObject({ Name: 'default', Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/default` });
    expect(byDefault.CreationTime).toBeInstanceOf(Date);
    expect(byArn.Name).toBe('releases');
  });

  // Recorded: test_describe_delete_not_existing_event_bus.
  it('is ResourceNotFoundException for a bus that does not exist', async () => {
    const described = client.send(new DescribeEventBusCommand({ Name: 'no-such-bus' }));

    await expect(described).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(described).rejects.toMatchObject({ message: 'Event bus no-such-bus does not exist.' });
  });

  it("lists a bus's rules with their patterns, by name prefix", async () => {
    const pattern = { source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'] };
    events.putRule({ name: 'approval-failed', eventBusName: 'default', eventPattern: pattern, targets: [] });
    events.putRule({ name: 'approval-timed-out', eventBusName: 'default', eventPattern: pattern, targets: [] });
    events.putRule({ name: 'release-audit', eventBusName: 'releases', eventPattern: { source: ['com.example.releases'] }, targets: [] });

    const listed = await client.send(new ListRulesCommand({ NamePrefix: 'approval-' }));
    const onReleases = await client.send(new ListRulesCommand({ EventBusName: 'releases' }));

    expect(listed.Rules?.map((rule) => rule.Name)).toEqual(['approval-failed', 'approval-timed-out']);
    expect(listed.Rules?.[0]).toMatchObject({
      Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/approval-failed`,
      State: 'ENABLED',
      EventBusName: 'default',
    });
    expect(JSON.parse(listed.Rules?.[0]?.EventPattern ?? '')).toEqual(pattern);
    expect(onReleases.Rules?.map((rule) => rule.Arn)).toEqual([
      `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/releases/release-audit`,
    ]);
  });
});

describe('rules and their targets', () => {
  it("hands a published Step Functions event to each matching rule's targets and records each delivery", async () => {
    const notified: LocalEvent[] = [];
    events.putRule({
      name: 'approval-failed',
      eventBusName: 'default',
      eventPattern: { source: ['aws.states'], detail: { status: ['FAILED', 'TIMED_OUT'], stateMachineArn: [STATE_MACHINE_ARN] } },
      targets: [
        { id: 'notify-release-channel', deliver: (event) => Promise.resolve(void notified.push(event)) },
        { id: 'pager', deliver: () => Promise.reject(new Error('Pager endpoint answered 503')) },
      ],
    });
    events.putRule({
      name: 'approval-succeeded',
      eventBusName: 'default',
      eventPattern: { detail: { status: ['SUCCEEDED'] } },
      targets: [],
    });

    const published = events.publish({ ...failedExecution('release-2024-06-03'), time: new Date('2024-06-03T09:12:44.900Z') });
    expect(events.events()[0]?.matched).toEqual([
      { rule: 'approval-failed', target: 'notify-release-channel', result: 'pending' },
      { rule: 'approval-failed', target: 'pager', result: 'pending' },
    ]);
    await events.settled();

    expect(published).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      time: '2024-06-03T09:12:44Z',
    });
    expect(notified).toEqual([published]);
    expect(events.events()).toEqual([
      {
        eventBusName: 'default',
        event: published,
        matched: [
          { rule: 'approval-failed', target: 'notify-release-channel', result: 'delivered' },
          { rule: 'approval-failed', target: 'pager', result: 'failed', error: 'Pager endpoint answered 503' },
        ],
      },
    ]);
  });

  it('delivers what PutEvents brings too, and a target that throws is a failed delivery, not a failed request', async () => {
    events.putRule({
      name: 'release-audit',
      eventBusName: 'releases',
      eventPattern: { 'detail-type': [{ prefix: 'Release ' }] },
      targets: [
        {
          id: 'audit-log',
          deliver: () => {
            throw new Error('Audit log is read-only');
          },
        },
      ],
    });

    const answer = await client.send(new PutEventsCommand({ Entries: [release({ EventBusName: 'releases' })] }));
    await events.settled();

    expect(answer.FailedEntryCount).toBe(0);
    expect(events.events()[0]?.matched).toEqual([
      { rule: 'release-audit', target: 'audit-log', result: 'failed', error: 'Audit log is read-only' },
    ]);
  });

  it('refuses a rule whose pattern EventBridge would refuse, or that the stand-in does not serve', () => {
    const rule = { name: 'bad', eventBusName: 'default', targets: [] };

    expect(() => events.putRule({ ...rule, eventPattern: { source: 'aws.states' } })).toThrow(InvalidEventPatternError);
    expect(() => events.putRule({ ...rule, eventPattern: { detail: { ip: [{ cidr: '10.0.0.0/24' }] } } })).toThrow(/cidr/);
  });
});

describe('what the stand-in shows of its events', () => {
  it('lists every event with its deliveries at GET /store', async () => {
    events.putRule({
      name: 'approval-failed',
      eventBusName: 'default',
      eventPattern: { source: ['aws.states'] },
      targets: [{ id: 'audit', deliver: () => Promise.resolve() }],
    });
    const published = events.publish(failedExecution('release-2024-06-03'));
    await events.settled();

    const store: unknown = await (await fetch(`${events.url}/store`)).json();

    expect(store).toEqual({
      events: [{ eventBusName: 'default', event: published, matched: [{ rule: 'approval-failed', target: 'audit', result: 'delivered' }] }],
    });
  });

  it('shows the events newest first on its page, escaped, with task-token-like text hidden', async () => {
    const taskToken = 'AQCEAAAAKgAAAAMAAAAAAAAAA'.repeat(30);
    events.publish({ source: 'com.example.first', detailType: 'First', detail: { note: 'published first' } });
    await client.send(
      new PutEventsCommand({
        Entries: [
          release({
            Source: 'com.example.<script>alert(1)</script>',
            Detail: JSON.stringify({ taskToken, note: '<img src=x onerror=alert(1)>' }),
          }),
        ],
      }),
    );

    const page = await (await fetch(`${events.url}/`)).text();

    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('com.example.&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).not.toContain(taskToken);
    expect(page.indexOf('Release Requested')).toBeLessThan(page.indexOf('published first'));
  });

  it('answers an operation it does not serve with UnknownOperationException', async () => {
    const response = await fetch(events.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.DeleteEventBus' },
      body: JSON.stringify({ Name: 'releases' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

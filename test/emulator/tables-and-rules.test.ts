import { eventRules, servedTables } from '../../local/stack/tables-and-rules';
import type { CloudFormationTemplate } from '../../local/stack/synthesized-stack';

/** A template as CDK writes one: the worker's slot table beside a table of messages, and three rules. */
const TEMPLATE: CloudFormationTemplate = {
  Resources: {
    WorkerSlots1A2B3C4D: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'slot', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'slot', AttributeType: 'S' }],
      },
    },
    SlackMessagesTable2100258E: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'execution', KeyType: 'HASH' },
          { AttributeName: 'approver', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'execution', AttributeType: 'S' },
          { AttributeName: 'approver', AttributeType: 'S' },
        ],
      },
    },
    WorkerFunctionAF8A26AF: {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { WORKER_SLOTS_TABLE: { Ref: 'WorkerSlots1A2B3C4D' }, WORKER_SLOTS: '10' } } },
    },
    SlackMessagesCloser9C1D: { Type: 'AWS::Lambda::Function', Properties: {} },
    WorkerSchedule5E6F: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)', Targets: [] } },
    SlackMessagesRequestEnded9F3F: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.states'] },
        Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['SlackMessagesCloser9C1D', 'Arn'] } }],
      },
    },
    AuditToQueue7A8B: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { source: ['aws.states'] }, Targets: [{ Id: 'Queue', Arn: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] } }] },
    },
    OnTeamBus1C2D: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'TeamBus' },
        EventPattern: { source: ['team'] },
        Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['SlackMessagesCloser9C1D', 'Arn'] } }],
      },
    },
  },
};

describe('what the local stack serves of a template', () => {
  it("serves every table but the one the runner plays itself (the worker's slots), named after the stack and keyed as the template says", () => {
    expect(servedTables(TEMPLATE, 'HumanApproval')).toEqual([
      {
        logicalId: 'SlackMessagesTable2100258E',
        name: 'HumanApproval-SlackMessagesTable2100258E',
        partitionKey: 'execution',
        partitionKeyType: 'S',
        sortKey: 'approver',
        sortKeyType: 'S',
      },
    ]);
  });

  it('serves the rules that run functions of the template, and names the ones it skips instead of failing the start', () => {
    const { served, skipped } = eventRules(TEMPLATE);

    expect(served).toEqual([
      {
        logicalId: 'SlackMessagesRequestEnded9F3F',
        eventBusName: 'default',
        eventPattern: { source: ['aws.states'] },
        targets: [{ id: 'Target0', functionId: 'SlackMessagesCloser9C1D' }],
      },
    ]);
    expect(skipped).toEqual([
      { logicalId: 'AuditToQueue7A8B', reason: 'its target Queue is not a Lambda function of the template' },
      { logicalId: 'OnTeamBus1C2D', reason: 'its bus is named by a reference; the local mode serves named buses only' },
    ]);
  });
});

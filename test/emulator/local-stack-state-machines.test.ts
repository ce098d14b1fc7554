import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { createStateMachines, readableName } from '../../local/stack/deploy-workflow';
import { LocalStackError } from '../../local/stack/errors';
import { type CloudFormationTemplate, readSynthesizedStack, type SynthesizedStack } from '../../local/stack/synthesized-stack';
import { useLocalStepFunctions } from '../support/use-local-step-functions';

// Synthesizing a CDK app takes a few seconds.
jest.setTimeout(60_000);

const local = useLocalStepFunctions();

const temporaryDirectories: string[] = [];
afterAll(() => {
  for (const directory of temporaryDirectories) fs.rmSync(directory, { recursive: true, force: true });
});

/** A stack of two state machines: Parent runs Child with StepFunctionsStartExecution (RUN_JOB); the StateMachineArn output names Child. */
function synthesizeParentAndChild(stackName: string): SynthesizedStack {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-machines-'));
  temporaryDirectories.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, stackName);
  const child = new sfn.StateMachine(stack, 'Child', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.Pass(stack, 'Answer', { parameters: { 'answer.$': "States.Format('hello {}', $.name)" } }),
    ),
  });
  const parent = new sfn.StateMachine(stack, 'Parent', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new tasks.StepFunctionsStartExecution(stack, 'RunChild', {
        stateMachine: child,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        input: sfn.TaskInput.fromObject({ 'name.$': '$.name' }),
        associateWithParent: true,
        resultSelector: { 'answer.$': '$.Output.answer', 'childStatus.$': '$.Status' },
      }),
    ),
  });
  new CfnOutput(stack, 'StateMachineArn', { value: child.stateMachineArn });
  new CfnOutput(stack, 'ParentArn', { value: parent.stateMachineArn });
  return readSynthesizedStack(app.synth().directory, stackName);
}

function templateOf(resources: Record<string, unknown>, outputs: Record<string, unknown> = {}): SynthesizedStack {
  return {
    stackName: local.uniqueName('Handwritten'),
    template: { Resources: resources, Outputs: outputs } as CloudFormationTemplate,
    assemblyDir: os.tmpdir(),
    assets: {},
  };
}

const PASS = (result: unknown): string => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

describe('deploying the state machines of a template', () => {
  it('creates every state machine, a parent after the child it runs, and the parent runs the child', async () => {
    const synthesized = synthesizeParentAndChild('LocalMachines');
    const machines = Object.entries(synthesized.template.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine',
    );
    // CDK emits the .sync:2 integration for RUN_JOB, in a DefinitionString built with Fn::Join.
    const parentProperties = machines.find(([id]) => id.startsWith('Parent'))?.[1].Properties ?? {};
    expect(JSON.stringify(parentProperties.DefinitionString)).toContain(':states:::states:startExecution.sync:2');

    const deployed = await createStateMachines(synthesized, local.endpoint.url, {});

    expect(Object.keys(deployed.stateMachines).sort()).toEqual(['Child', 'Parent']);
    // The approval machine (the one the StateMachineArn output names) is named after the stack; the others after their logical id.
    expect(deployed.approvalStateMachineArn).toBe(deployed.stateMachines.Child);
    expect(deployed.stateMachines.Child).toMatch(/:stateMachine:LocalMachines$/);
    expect(deployed.stateMachines.Parent).toMatch(/:stateMachine:LocalMachines-Parent$/);
    const parentDefinition = await local.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deployed.stateMachines.Parent }));
    expect(JSON.parse(parentDefinition.definition ?? '{}')).toMatchObject({
      States: {
        RunChild: {
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: deployed.stateMachines.Child },
        },
      },
    });

    const executionArn = await local.start(deployed.stateMachines.Parent ?? '', { name: 'Ana' });
    const execution = await local.waitForStatus(executionArn, 'SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toEqual({ answer: 'hello Ana', childStatus: 'SUCCEEDED' });
  });

  it('resolves DefinitionString, Definition and substitutions with Ref, Fn::GetAtt Name and the pseudo parameters, in dependency order', async () => {
    // Listed so that the template order is not the creation order: Last refers to Middle, Middle to First.
    const synthesized = templateOf(
      {
        LastMachine0A1B2C3D: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            Definition: { StartAt: 'P', States: { P: { Type: 'Pass', Result: { middle: { Ref: 'MiddleMachine4E5F6A7B' } }, End: true } } },
          },
        },
        MiddleMachine4E5F6A7B: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: {
              'Fn::Join': [
                '',
                [
                  '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"first":"${FirstArn}","firstName":"',
                  { 'Fn::GetAtt': ['FirstMachine8C9D0E1F', 'Name'] },
                  '","where":"arn:',
                  { Ref: 'AWS::Partition' },
                  ':',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  '.',
                  { Ref: 'AWS::URLSuffix' },
                  '"},"End":true}}}',
                ],
              ],
            },
            DefinitionSubstitutions: { FirstArn: { Ref: 'FirstMachine8C9D0E1F' } },
          },
        },
        FirstMachine8C9D0E1F: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: PASS('first') } },
      },
      { StateMachineArn: { Value: { Ref: 'FirstMachine8C9D0E1F' } } },
    );

    const { stateMachines, approvalStateMachineArn } = await createStateMachines(synthesized, local.endpoint.url, {});

    const { stackName } = synthesized;
    expect(approvalStateMachineArn).toMatch(new RegExp(`:stateMachine:${stackName}$`));
    expect(stateMachines).toEqual({
      FirstMachine: approvalStateMachineArn,
      MiddleMachine: expect.stringMatching(new RegExp(`:stateMachine:${stackName}-MiddleMachine$`)) as unknown,
      LastMachine: expect.stringMatching(new RegExp(`:stateMachine:${stackName}-LastMachine$`)) as unknown,
    });
    const middle = await local.waitForStatus(await local.start(stateMachines.MiddleMachine ?? ''), 'SUCCEEDED');
    expect(JSON.parse(middle.output ?? 'null')).toEqual({
      first: approvalStateMachineArn,
      firstName: stackName,
      where: 'arn:aws:us-east-1:123456789012.amazonaws.com',
    });
    const last = await local.waitForStatus(await local.start(stateMachines.LastMachine ?? ''), 'SUCCEEDED');
    expect(JSON.parse(last.output ?? 'null')).toEqual({ middle: stateMachines.MiddleMachine });
  });

  it('refuses state machines that refer to each other in a cycle, and several machines none of which waits on an activity or is named by the outputs', async () => {
    const cycle = templateOf(
      {
        OneAAAAAAAA: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', [PASS('x'), { Ref: 'TwoBBBBBBBB' }]] } },
        },
        TwoBBBBBBBB: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', [PASS('x'), { Ref: 'OneAAAAAAAA' }]] } },
        },
      },
      { StateMachineArn: { Value: { Ref: 'OneAAAAAAAA' } } },
    );
    await expect(createStateMachines(cycle, local.endpoint.url, {})).rejects.toThrow(LocalStackError);
    await expect(createStateMachines(cycle, local.endpoint.url, {})).rejects.toThrow(/cycle/);

    const unnamed = templateOf({
      OneAAAAAAAA: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: PASS(1) } },
      TwoBBBBBBBB: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: PASS(2) } },
    });
    await expect(createStateMachines(unnamed, local.endpoint.url, {})).rejects.toThrow(/cannot tell which is the approval one/);
  });

  it("takes the state machine that waits on the activity as the approval one, with no output to name it (a team's own stack)", async () => {
    const team = templateOf({
      ApprovalActivityAAAAAAAA: { Type: 'AWS::StepFunctions::Activity', Properties: { Name: 'approvals' } },
      TeamWorkflowBBBBBBBB: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: PASS('team') } },
      ApprovalCCCCCCCC: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: { 'Fn::Join': ['', [PASS('x').slice(0, -1), ',"Comment":"', { Ref: 'ApprovalActivityAAAAAAAA' }, '"}']] },
        },
      },
    });

    const { approvalStateMachineArn, stateMachines } = await createStateMachines(team, local.endpoint.url, {
      ApprovalActivityAAAAAAAA: 'arn:aws:states:us-east-1:000000000000:activity:approvals',
    });

    expect(approvalStateMachineArn).toBe(stateMachines.Approval);
    expect(approvalStateMachineArn).toMatch(new RegExp(`:stateMachine:${team.stackName}$`));
    expect(stateMachines.TeamWorkflow).toMatch(new RegExp(`:stateMachine:${team.stackName}-TeamWorkflow$`));
  });

  it('names machines after their logical id without the hash CDK appends', () => {
    expect(readableName('ReleaseStateMachine1A2B3C4D')).toBe('ReleaseStateMachine');
    expect(readableName('WorkflowStateMachine8F1B1C15')).toBe('WorkflowStateMachine');
    expect(readableName('Handwritten')).toBe('Handwritten');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateActivityCommand, CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { renderDefinition } from '../../statemachine/render-definition';
import { LocalStackError } from './errors';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';
import { onlyResourceOfType, resolveIntrinsics, type SynthesizedStack } from './synthesized-stack';

/** What CloudFormation does for the workflow of the template, done against the local Step Functions endpoint. */

function localSfnClient(stepFunctionsUrl: string): SFNClient {
  return new SFNClient({ endpoint: stepFunctionsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** Creates the activity of the template, as CloudFormation would. */
export async function createActivity(stackName: string, stepFunctionsUrl: string): Promise<string> {
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: `${stackName}-ManualApproval` }));
    if (!activityArn) throw new LocalStackError('The local Step Functions endpoint returned no activity ARN.');
    return activityArn;
  } finally {
    sfn.destroy();
  }
}

/** Creates the state machine from the template's definition asset and substitutions, as CloudFormation would. */
export async function createStateMachine(
  synthesized: SynthesizedStack,
  stepFunctionsUrl: string,
  physical: Readonly<Record<string, string>>,
): Promise<string> {
  const { template, stackName, assemblyDir } = synthesized;
  const [, machine] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
  const location = machine.DefinitionS3Location as { Key?: string } | undefined;
  if (!location?.Key) throw new LocalStackError('The state machine in the template has no DefinitionS3Location asset.');
  const definitionTemplate = fs.readFileSync(path.join(assemblyDir, `asset.${location.Key}`), 'utf8');
  const substitutions = resolveIntrinsics(machine.DefinitionSubstitutions ?? {}, physical) as Record<string, string>;
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: stackName,
        definition: renderDefinition(definitionTemplate, substitutions),
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${stackName}-StateMachineRole`,
      }),
    );
    if (!stateMachineArn) throw new LocalStackError('The local Step Functions endpoint returned no state machine ARN.');
    return stateMachineArn;
  } finally {
    sfn.destroy();
  }
}

import * as fs from 'node:fs';
import { CreateActivityCommand, CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { MAX_NAME_LENGTH } from '../../statemachine/step-functions-limits';
import { LocalStackError } from './errors';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';
import { assetPath, type CloudFormationTemplate, resolveIntrinsics, resourcesOfType, type SynthesizedStack } from './synthesized-stack';

/** What CloudFormation does for the workflow of the template, done against the local Step Functions endpoint. */

const STATE_MACHINE = 'AWS::StepFunctions::StateMachine';
/** Stack outputs that name the approval state machine: the approval stack's, and a stack that embeds the construct. */
/** The hash CDK appends to a logical id. */
const CDK_ID_HASH = /[0-9A-F]{8}$/;
/** A `${Name}` placeholder of DefinitionSubstitutions. */
const PLACEHOLDER = /\$\{([^}]*)\}/g;

export interface DeployedStateMachines {
  /** The approval state machine, named after the stack (the CLI finds it by that name). */
  readonly approvalStateMachineArn: string;
  /** Every state machine of the template, the approval one included, by its readable name (see {@link readableName}). */
  readonly stateMachines: Readonly<Record<string, string>>;
  /** What other resources' Ref and Fn::GetAtt of each state machine resolve to: `<logical id>`, `<logical id>.Arn`, `<logical id>.Name`. */
  readonly physical: Readonly<Record<string, string>>;
}

function localSfnClient(stepFunctionsUrl: string): SFNClient {
  return new SFNClient({ endpoint: stepFunctionsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** The activity's name: its Name in the template, or the name CloudFormation would generate, `<stack>-<readable logical id>`. */
export function activityName(stackName: string, logicalId: string, properties: Record<string, unknown>): string {
  const name = typeof properties.Name === 'string' && properties.Name !== '' ? properties.Name : `${stackName}-${readableName(logicalId)}`;
  return name.slice(0, MAX_NAME_LENGTH);
}

/** Creates an activity of the template, as CloudFormation would. */
export async function createActivity(name: string, stepFunctionsUrl: string): Promise<string> {
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name }));
    if (!activityArn) throw new LocalStackError('The local Step Functions endpoint returned no activity ARN.');
    return activityArn;
  } finally {
    sfn.destroy();
  }
}

/** A logical id without the hash CDK appends: `ReleaseStateMachine1A2B3C4D` -> `ReleaseStateMachine`. */
export function readableName(logicalId: string): string {
  const stripped = logicalId.replace(CDK_ID_HASH, '');
  return stripped === '' ? logicalId : stripped;
}

/** Outputs that name the approval state machine in a stack of its own (infra/stack-outputs.ts writes them). */
const APPROVAL_OUTPUTS = ['StateMachineArn', 'ApprovalStateMachineArn'];

/**
 * The logical id of the approval state machine: the one whose definition waits on the template's
 * activity (refers to it), whatever stack it is in and whatever outputs it has; for a template
 * without that, the one an output names, or the only one.
 */
function approvalMachineId(template: CloudFormationTemplate, machines: ReadonlyMap<string, Record<string, unknown>>): string {
  const activities = resourcesOfType(template, 'AWS::StepFunctions::Activity').map(([id]) => JSON.stringify({ Ref: id }));
  const waiting = [...machines].filter(([, properties]) => activities.some((reference) => JSON.stringify(properties).includes(reference)));
  const [waitingOnly] = waiting;
  if (waiting.length === 1 && waitingOnly !== undefined) return waitingOnly[0];
  for (const output of APPROVAL_OUTPUTS) {
    const value = template.Outputs?.[output]?.Value as { Ref?: unknown } | undefined;
    if (typeof value?.Ref === 'string' && machines.has(value.Ref)) return value.Ref;
  }
  const [only] = machines.keys();
  if (machines.size === 1 && only !== undefined) return only;
  throw new LocalStackError(
    `The template has ${machines.size} state machines, ${waiting.length} of which wait on an activity, and no output ${APPROVAL_OUTPUTS.join(' or ')}: the local mode cannot tell which is the approval one.`,
  );
}

/** The logical ids among `candidates` that a Ref or Fn::GetAtt anywhere in `value` names. */
function referencedIds(value: unknown, candidates: ReadonlySet<string>, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, candidates, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, argument] of Object.entries(value as Record<string, unknown>)) {
      const target = key === 'Ref' ? argument : key === 'Fn::GetAtt' && Array.isArray(argument) ? (argument as unknown[])[0] : undefined;
      if (typeof target === 'string' && candidates.has(target)) found.add(target);
      referencedIds(argument, candidates, found);
    }
  }
  return found;
}

/** The state machines in an order CloudFormation could create them: each after the machines its definition refers to. */
function creationOrder(machines: ReadonlyMap<string, Record<string, unknown>>): string[] {
  const ids = new Set(machines.keys());
  const dependencies = new Map([...machines].map(([id, properties]) => [id, referencedIds(properties, ids)]));
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string, chain: readonly string[]): void => {
    if (ordered.includes(id)) return;
    if (visiting.has(id)) throw new LocalStackError(`The state machines ${[...chain, id].join(' -> ')} refer to each other in a cycle.`);
    visiting.add(id);
    for (const dependency of dependencies.get(id) ?? []) if (dependency !== id) visit(dependency, [...chain, id]);
    visiting.delete(id);
    ordered.push(id);
  };
  // Sorted, so that the order (and the names below) does not depend on how the template lists them.
  for (const id of [...ids].sort()) visit(id, []);
  return ordered;
}

/** The definition as CloudFormation gives it to CreateStateMachine: from the S3 asset, DefinitionString or Definition, with its substitutions. */
function definitionOf(
  logicalId: string,
  properties: Record<string, unknown>,
  synthesized: SynthesizedStack,
  physical: Readonly<Record<string, string>>,
): string {
  let template: string;
  const location = properties.DefinitionS3Location as { Key?: unknown } | undefined;
  if (typeof location?.Key === 'string') {
    template = fs.readFileSync(assetPath(synthesized, location.Key, `The state machine ${logicalId}`), 'utf8');
  } else if (properties.DefinitionString !== undefined) {
    template = String(resolveIntrinsics(properties.DefinitionString, physical));
  } else if (properties.Definition !== undefined) {
    template = JSON.stringify(resolveIntrinsics(properties.Definition, physical));
  } else {
    throw new LocalStackError(`The state machine ${logicalId} has no DefinitionS3Location, DefinitionString or Definition.`);
  }
  if (properties.DefinitionSubstitutions === undefined) return template;
  const resolved = resolveIntrinsics(properties.DefinitionSubstitutions, physical) as Record<string, unknown>;
  // As CloudFormation substitutes: each `${Name}` that the map names; any other text stays as it is.
  return template.replace(PLACEHOLDER, (placeholder, name: string) =>
    Object.hasOwn(resolved, name) ? String(resolved[name]) : placeholder,
  );
}

/**
 * Creates every state machine of the template, as CloudFormation would: each after the machines
 * its definition refers to (a Ref of a state machine is its ARN, `Fn::GetAtt X.Name` its name).
 * The approval machine is named after the stack; the others `<stack>-<readable name>`.
 * `physical` gives the values of the other resources the definitions refer to.
 */
export async function createStateMachines(
  synthesized: SynthesizedStack,
  stepFunctionsUrl: string,
  physical: Readonly<Record<string, string>>,
): Promise<DeployedStateMachines> {
  const { template, stackName } = synthesized;
  const machines = new Map(resourcesOfType(template, STATE_MACHINE));
  if (machines.size === 0) throw new LocalStackError('The synthesized template has no state machine.');
  const approvalId = approvalMachineId(template, machines);
  const values: Record<string, string> = { ...physical };
  const stateMachines: Record<string, string> = {};
  let approvalStateMachineArn = '';
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    for (const logicalId of creationOrder(machines)) {
      const properties = machines.get(logicalId) ?? {};
      let readable = readableName(logicalId);
      if (Object.hasOwn(stateMachines, readable)) readable = logicalId;
      const isApproval = logicalId === approvalId;
      const name = isApproval ? stackName : `${stackName}-${readable}`.slice(0, MAX_NAME_LENGTH);
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name,
          definition: definitionOf(logicalId, properties, synthesized, values),
          roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${isApproval ? `${stackName}-StateMachineRole` : `${name}-Role`}`,
        }),
      );
      if (!stateMachineArn) throw new LocalStackError('The local Step Functions endpoint returned no state machine ARN.');
      values[logicalId] = stateMachineArn;
      values[`${logicalId}.Arn`] = stateMachineArn;
      values[`${logicalId}.Name`] = name;
      stateMachines[readable] = stateMachineArn;
      if (isApproval) approvalStateMachineArn = stateMachineArn;
    }
  } finally {
    sfn.destroy();
  }
  return { approvalStateMachineArn, stateMachines, physical: values };
}

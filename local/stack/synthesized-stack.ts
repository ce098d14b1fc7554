import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { readApprovalConfig } from '../../infra/approval-config';
import { ReleaseWorkflow } from '../../examples/release-workflow/release-workflow';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './local-account';

/** The CloudFormation template and assets of the stack, as `cdk synth` produces them. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CloudFormationTemplate;
  /** Folder of the cloud assembly (assets live here as `asset.<hash>...`). */
  readonly assemblyDir: string;
}

export interface CloudFormationResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CloudFormationOutput {
  readonly Value: unknown;
  readonly Description?: string;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, CloudFormationResource>;
  readonly Outputs?: Record<string, CloudFormationOutput>;
}

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The context of cdk.json: the settings a deployment would use. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Construct id of the example release workflow the local mode adds to the stack. */
export const RELEASE_WORKFLOW_ID = 'ReleaseWorkflow';

/**
 * Synthesizes the stack in this process, exactly as infra/app.ts does for `cdk synth` (plus the
 * example release workflow), with the project's cdk.json context overlaid by `context`. The local
 * mode reads everything it serves from the result, so local and deployed behaviour come from the
 * same template.
 */
export function synthesizeStack(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): SynthesizedStack {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-local-'));
  removeOnExit(outdir);
  // By default nothing is bundled: the local mode runs the worker from source, so esbuild has
  // nothing to do. The benchmark bundles, to measure what would be deployed.
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  // The template is the one `cdk synth` writes; its CloudFormation validation runs there (and in CI).
  // Here it would add seconds to every start and keep its WebAssembly engine, about 250 MB, resident.
  const app = new App({ outdir, context: { ...projectContext(), ...context, ...bundling }, builtinCloudFormationValidation: false });
  const config = readApprovalConfig((key) => app.node.tryGetContext(key));
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new HumanApprovalStack(app, stackName, { config });
  // The example's release workflow runs beside the approval machine (and calls it with
  // startExecution.sync:2), so `npm start` serves both; a deployment of infra/app.ts has no such part.
  new ReleaseWorkflow(stack, RELEASE_WORKFLOW_ID, { approval: stack.approval });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  return { stackName, template: artifact.template as CloudFormationTemplate, assemblyDir: assembly.directory };
}

/** Cloud assemblies of this process not yet removed. */
const assembliesToRemove = new Set<string>();

/**
 * Removes `dir` when the process exits, if nothing removed it before: a process ended at once (a
 * second Ctrl-C, a stop past its deadline, a failed start) leaves no assembly behind in the temp folder.
 */
function removeOnExit(dir: string): void {
  if (assembliesToRemove.size === 0) process.once('exit', removeAssembliesLeft);
  assembliesToRemove.add(dir);
}

function removeAssembliesLeft(): void {
  for (const dir of assembliesToRemove) fs.rmSync(dir, { recursive: true, force: true });
  assembliesToRemove.clear();
}

/** Removes the temporary cloud assembly. */
export function removeSynthesizedStack(stack: SynthesizedStack): void {
  fs.rmSync(stack.assemblyDir, { recursive: true, force: true });
  assembliesToRemove.delete(stack.assemblyDir);
  if (assembliesToRemove.size === 0) process.off('exit', removeAssembliesLeft);
}

/** The resources of one type, with their logical ids. */
export function resourcesOfType(template: CloudFormationTemplate, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** The single resource of a type; the local mode serves a stack with exactly one of each. */
export function onlyResourceOfType(template: CloudFormationTemplate, type: string): [string, Record<string, unknown>] {
  const found = resourcesOfType(template, type);
  if (found.length !== 1 || !found[0]) {
    throw new Error(`The synthesized template has ${found.length} resources of type ${type}; the local mode expects exactly one.`);
  }
  return found[0];
}

export class UnsupportedIntrinsicError extends Error {
  override readonly name = 'UnsupportedIntrinsicError';
}

/** The pseudo parameters of the local account, which every template may Ref. */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves the CloudFormation intrinsics this template uses (Ref, Fn::GetAtt, Fn::Join, Fn::Sub
 * without a variable map) against the physical values the local mode created (`Ref` by logical
 * id, `Fn::GetAtt` as `LogicalId.Attribute`) and the pseudo parameters of the local account.
 */
export function resolveIntrinsics(value: unknown, physical: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, physical));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined) {
    if (key === 'Ref') return lookup(String(argument), physical);
    if (key === 'Fn::GetAtt') {
      const [id, attribute] = argument as [string, string];
      return lookup(`${id}.${attribute}`, physical);
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(resolveIntrinsics(part, physical))).join(separator);
    }
    if (key === 'Fn::Sub' && typeof argument === 'string') {
      return argument.replace(/\$\{([^}]+)\}/g, (_match, name: string) => lookup(name, physical));
    }
    if (key.startsWith('Fn::')) throw new UnsupportedIntrinsicError(`The local mode cannot resolve ${key}.`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, physical)]));
}

function lookup(name: string, physical: Readonly<Record<string, string>>): string {
  const value = physical[name] ?? PSEUDO_PARAMETERS[name];
  if (value === undefined) throw new UnsupportedIntrinsicError(`The local mode has no value for ${name}.`);
  return value;
}

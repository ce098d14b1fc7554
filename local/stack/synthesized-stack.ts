import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalStackError } from './errors';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './local-account';

/** One stack of a cloud assembly (`cdk synth`'s output folder): its template, and where its assets are. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CloudFormationTemplate;
  /** Folder of the cloud assembly (assets live here as `asset.<hash>...`). */
  readonly assemblyDir: string;
  /** The stack's file assets by S3 object key (what the template names them by), as paths in the assembly. */
  readonly assets: Readonly<Record<string, string>>;
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

/** The parts of a cloud assembly's manifest.json this reads (the cloud-assembly-schema's names). */
interface AssemblyManifest {
  readonly artifacts?: Readonly<
    Record<
      string,
      {
        readonly type?: string;
        readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly file?: string };
        readonly dependencies?: readonly string[];
        readonly displayName?: string;
      }
    >
  >;
}

/** The parts of an asset manifest (`<stack>.assets.json`) this reads. */
interface AssetManifest {
  readonly files?: Readonly<
    Record<
      string,
      { readonly source?: { readonly path?: string }; readonly destinations?: Readonly<Record<string, { readonly objectKey?: string }>> }
    >
  >;
}

const STACK_ARTIFACT = 'aws:cloudformation:stack';
const ASSET_MANIFEST_ARTIFACT = 'cdk:asset-manifest';
/** The resource type that marks the stack to serve when the assembly has several and none is named. */
const SERVED_RESOURCE = 'AWS::StepFunctions::Activity';

function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocalStackError(`Cannot read ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new LocalStackError(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads one stack of a cloud assembly, as `cdk deploy` would deploy it: the stack named `stackName`
 * (its CloudFormation name or its artifact id), or else the one stack with a Step Functions activity.
 */
export function readSynthesizedStack(assemblyDir: string, stackName?: string): SynthesizedStack {
  const manifest = readJson<AssemblyManifest>(path.join(assemblyDir, 'manifest.json'), 'The cloud assembly manifest');
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const stacks = artifacts
    .filter(([, artifact]) => artifact.type === STACK_ARTIFACT && artifact.properties?.templateFile !== undefined)
    .map(([id, artifact]) => {
      const name = artifact.properties?.stackName ?? id;
      const template = readJson<CloudFormationTemplate>(path.join(assemblyDir, artifact.properties?.templateFile ?? ''), 'The template');
      return { id, name, artifact, template: { ...template, Resources: template.Resources ?? {} } };
    });
  const names = stacks.map((stack) => stack.name).join(', ') || 'none';
  let chosen: (typeof stacks)[number] | undefined;
  if (stackName !== undefined) {
    chosen = stacks.find((stack) => stack.name === stackName || stack.id === stackName || stack.artifact.displayName === stackName);
    if (!chosen) throw new LocalStackError(`The cloud assembly in ${assemblyDir} has no stack ${stackName}; its stacks: ${names}.`);
  } else {
    const served = stacks.filter((stack) => Object.values(stack.template.Resources).some((resource) => resource.Type === SERVED_RESOURCE));
    if (served.length !== 1) {
      throw new LocalStackError(
        served.length === 0
          ? `No stack of the cloud assembly in ${assemblyDir} has a Step Functions activity (an approval step) to serve; its stacks: ${names}.`
          : `Several stacks of the cloud assembly have a Step Functions activity: ${served.map((stack) => stack.name).join(', ')}. Name the one to serve (--stack NAME).`,
      );
    }
    chosen = served[0];
  }
  if (!chosen) throw new LocalStackError(`The cloud assembly in ${assemblyDir} has no stack.`);
  return {
    stackName: chosen.name,
    template: chosen.template,
    assemblyDir,
    assets: fileAssets(assemblyDir, manifest, chosen.artifact.dependencies ?? []),
  };
}

/** The file assets of the asset manifests a stack depends on, by the S3 object key the template names them by. */
function fileAssets(assemblyDir: string, manifest: AssemblyManifest, dependencies: readonly string[]): Record<string, string> {
  const assets: Record<string, string> = {};
  for (const id of dependencies) {
    const artifact = manifest.artifacts?.[id];
    if (artifact?.type !== ASSET_MANIFEST_ARTIFACT || artifact.properties?.file === undefined) continue;
    const assetManifest = readJson<AssetManifest>(path.join(assemblyDir, artifact.properties.file), 'The asset manifest');
    for (const file of Object.values(assetManifest.files ?? {})) {
      if (file.source?.path === undefined) continue;
      for (const destination of Object.values(file.destinations ?? {})) {
        if (destination.objectKey !== undefined) assets[destination.objectKey] = path.resolve(assemblyDir, file.source.path);
      }
    }
  }
  return assets;
}

/** Where an asset the template names by its S3 object key lies in the assembly; a clear error when it is not there. */
export function assetPath(stack: SynthesizedStack, objectKey: string, usedBy: string): string {
  const found = stack.assets[objectKey];
  if (found === undefined) {
    throw new LocalStackError(`${usedBy} names the asset ${objectKey}, which the stack's asset manifest does not list.`);
  }
  if (!fs.existsSync(found)) {
    throw new LocalStackError(
      `${usedBy} needs the asset ${path.basename(found)}, which is missing from the cloud assembly in ${stack.assemblyDir}.`,
    );
  }
  return found;
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
    throw new LocalStackError(`The template has ${found.length} resources of type ${type}; the local mode expects exactly one.`);
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

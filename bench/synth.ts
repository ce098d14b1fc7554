import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addLocalDevelopmentStack } from '../examples/release-workflow/local-app';
import type { CloudFormationTemplate } from 'stepfunctions-human-approval-local';

/** A cloud assembly of the app `npm start` serves, and its approval stack's template. */
export interface BenchAssembly {
  readonly assemblyDir: string;
  readonly template: CloudFormationTemplate;
}

const CDK_JSON = path.join(__dirname, '..', 'cdk.json');
/** One assembly per distinct context in this run; all are removed when the process exits, however it ends. */
const assemblies = new Map<string, BenchAssembly>();

function removeAll(): void {
  for (const { assemblyDir } of assemblies.values()) fs.rmSync(assemblyDir, { recursive: true, force: true });
  assemblies.clear();
}

/**
 * Synthesizes the app `npm start` serves with cdk.json's context overlaid by `context`, as
 * `approval local` has it synthesized, into a temporary folder (`approval-local-*`, like the CLI's).
 */
export function benchAssembly(context: Readonly<Record<string, unknown>> = {}): BenchAssembly {
  const key = JSON.stringify(context);
  const known = assemblies.get(key);
  if (known) return known;
  if (assemblies.size === 0) process.once('exit', removeAll);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-local-'));
  assemblies.set(key, { assemblyDir: outdir, template: { Resources: {} } });
  const cdkContext = (JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  // As infra/app.ts deploys it by default: email only (the local app adds Slack unless this is empty).
  const app = new App({ outdir, context: { slackSecretName: '', ...cdkContext, ...context }, builtinCloudFormationValidation: false });
  const stack = addLocalDevelopmentStack(app);
  const template = app.synth().getStackArtifact(stack.artifactId).template as CloudFormationTemplate;
  const assembly = { assemblyDir: outdir, template };
  assemblies.set(key, assembly);
  return assembly;
}

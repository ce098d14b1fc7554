import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addLocalDevelopmentStack } from '../../examples/release-workflow/local-app';

/**
 * The folder jest's globalSetup (test/support/global-setup.js) creates for the run's cloud
 * assemblies, shared by every suite and worker; its globalTeardown removes it.
 */
export const ASSEMBLY_CACHE_ENV = 'APPROVAL_TEST_ASSEMBLIES';

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The context of cdk.json (feature flags and settings), as `cdk synth` and `approval local` give the app. */
function projectContext(): Record<string, unknown> {
  return (JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/** Outside jest (a script run by hand), a folder of this process's own. */
let ownCache: string | undefined;
function cacheFolder(): string {
  const shared = process.env[ASSEMBLY_CACHE_ENV];
  if (shared) return shared;
  if (ownCache === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-test-assemblies-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    ownCache = dir;
  }
  return ownCache;
}

/** The same JSON for the same context, whatever order its keys were given in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cloud assembly of the app `npm start` serves (the approval stack with the example release
 * workflow inside), synthesized with cdk.json's context overlaid by `context`: once per distinct
 * context per jest run, whichever suite or worker asks first. Written beside its final place and
 * renamed into it, so that no reader sees half an assembly and two workers that synthesize the same
 * context at once keep one.
 */
export function testAssembly(context: Readonly<Record<string, unknown>> = {}): string {
  const cache = cacheFolder();
  const key = createHash('sha256').update(canonical(context)).digest('hex').slice(0, 16);
  const dir = path.join(cache, key);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return dir;
  const outdir = fs.mkdtempSync(path.join(cache, `.${key}-`));
  try {
    // The template's CloudFormation validation runs in `cdk synth` and the infra tests; here it would add seconds.
    const app = new App({ outdir, context: { ...projectContext(), ...context }, builtinCloudFormationValidation: false });
    addLocalDevelopmentStack(app);
    app.synth();
    fs.renameSync(outdir, dir);
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    // Another worker renamed its copy into place first: that one is as good.
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && fs.existsSync(path.join(dir, 'manifest.json'))) return dir;
    throw error;
  }
  return dir;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readApprovalConfig } from '../../infra/approval-config';
import { HumanApprovalStack } from '../../infra/human-approval-stack';
import { type LocalStack, LocalStackError, readSynthesizedStack, startLocalStack } from '../../local/index';
import { testAssembly } from '../support/assemblies';

// Synthesizing a CDK app takes a few seconds.
jest.setTimeout(90_000);

/** What the emulator reads from a cloud assembly: which stack, and the worker's code from its asset. */

const folders: string[] = [];
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

async function started(assemblyDir: string, stackName?: string): Promise<LocalStack> {
  const stack = await startLocalStack({ assemblyDir, stackName, ports: { api: 0, ses: 0, stepFunctions: 0 } });
  stacks.push(stack);
  return stack;
}

/** An app of two approval stacks, and a stack with no approval step. */
function twoApprovalStacks(): string {
  const outdir = tempFolder('two-stacks-');
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const config = readApprovalConfig(() => undefined);
  new HumanApprovalStack(app, 'ApprovalOne', { config });
  new HumanApprovalStack(app, 'ApprovalTwo', { config });
  new sqs.Queue(new Stack(app, 'Unrelated'), 'Queue', { enforceSSL: true });
  app.synth();
  return outdir;
}

/** A copy of the run's assembly, to change. */
function copiedAssembly(): { dir: string; codeDir: string } {
  const dir = path.join(tempFolder('copied-assembly-'), 'cdk.out');
  fs.cpSync(testAssembly(), dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'HumanApproval.assets.json'), 'utf8')) as {
    files: Record<string, { displayName?: string; source: { path: string } }>;
  };
  const code = Object.values(manifest.files).find((file) => file.displayName?.endsWith('/Worker/Function/Code'));
  if (!code) throw new Error('No worker code in the asset manifest');
  return { dir, codeDir: path.join(dir, code.source.path) };
}

describe('choosing the stack of an assembly', () => {
  it('serves the stack named, and refuses to guess between two approval stacks', async () => {
    const assemblyDir = twoApprovalStacks();

    expect(() => readSynthesizedStack(assemblyDir)).toThrow(LocalStackError);
    expect(() => readSynthesizedStack(assemblyDir)).toThrow(
      'Several stacks of the cloud assembly have a Step Functions activity: ApprovalOne, ApprovalTwo. Name the one to serve (--stack NAME).',
    );
    expect(() => readSynthesizedStack(assemblyDir, 'Missing')).toThrow(
      /has no stack Missing; its stacks: ApprovalOne, ApprovalTwo, Unrelated\./,
    );
    expect(() => readSynthesizedStack(assemblyDir, 'Unrelated')).not.toThrow();

    const stack = await started(assemblyDir, 'ApprovalTwo');
    expect(stack.stackName).toBe('ApprovalTwo');
    expect(stack.stateMachineArn).toMatch(/:stateMachine:ApprovalTwo$/);
  });

  it('picks the one stack with an approval step when no stack is named', () => {
    const outdir = tempFolder('one-approval-');
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    new HumanApprovalStack(app, 'TheApproval', { config: readApprovalConfig(() => undefined) });
    new sqs.Queue(new Stack(app, 'Unrelated'), 'Queue', { enforceSSL: true });
    app.synth();

    expect(readSynthesizedStack(outdir).stackName).toBe('TheApproval');
  });

  it('says so when no stack has an approval step', () => {
    const outdir = tempFolder('no-approval-');
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    new sqs.Queue(new Stack(app, 'Unrelated'), 'Queue', { enforceSSL: true });
    app.synth();

    expect(() => readSynthesizedStack(outdir)).toThrow(
      /No stack of the cloud assembly .* has a Step Functions activity .*; its stacks: Unrelated\./,
    );
  });
});

describe("the worker's code", () => {
  it("is the assembly's asset, run as Lambda runs it: whatever handler the asset holds is what runs", async () => {
    const { dir, codeDir } = copiedAssembly();
    // A handler of its own in place of the worker: it reports where it runs and what it was given.
    fs.writeFileSync(
      path.join(codeDir, 'index.js'),
      `exports.handler = async (event) => ({ ranFrom: __filename, cwd: process.cwd(), event, env: process.env });\n`,
    );

    const stack = await started(dir);
    const answer = (await stack.worker.invokeSync({ probe: 42 })) as {
      ranFrom: string;
      cwd: string;
      event: unknown;
      env: Record<string, string>;
    };

    expect(answer.ranFrom).toBe(path.join(codeDir, 'index.js'));
    expect(answer.cwd).toBe(codeDir);
    expect(answer.event).toEqual({ probe: 42 });
    expect(answer.env).toMatchObject({
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: 'index.handler',
      // The template's execute-api URL of the API, pointed at the local stand-in.
      APPROVAL_API_URL: stack.apiUrl,
      // The template's Ref of the activity, as the local activity's ARN.
      ACTIVITY_ARN: stack.activityArn,
      // No DynamoDB locally: the table's name is blank, and the runner plays its bound.
      WORKER_SLOTS_TABLE: '',
      AWS_ENDPOINT_URL_SFN: stack.stepFunctionsUrl,
    });
  });

  it('refuses an assembly whose worker asset is missing, naming it', async () => {
    const { dir, codeDir } = copiedAssembly();
    fs.rmSync(codeDir, { recursive: true });

    const start = startLocalStack({ assemblyDir: dir, ports: { api: 0, ses: 0, stepFunctions: 0 } });

    await expect(start).rejects.toThrow(LocalStackError);
    await expect(start).rejects.toThrow(
      `The function WorkerFunctionAF8A26AF needs the asset ${path.basename(codeDir)}, which is missing from the cloud assembly in ${dir}.`,
    );
  });

  it('refuses a handler that the asset does not export, saying which', async () => {
    const { dir, codeDir } = copiedAssembly();
    fs.writeFileSync(path.join(codeDir, 'index.js'), 'exports.somethingElse = async () => null;\n');

    await expect(startLocalStack({ assemblyDir: dir, ports: { api: 0, ses: 0, stepFunctions: 0 } })).rejects.toThrow(
      /The worker's handler did not load: .*index has no function handler \(handler index\.handler\)/,
    );
  });
});

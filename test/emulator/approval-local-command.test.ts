import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCAL_PORT_ENV } from '../../local/index';
import { testAssembly } from '../support/assemblies';

/**
 * `approval local` as a team runs it on its own app: it runs the app command as the cdk CLI does
 * (CDK_OUTDIR, CDK_CONTEXT_JSON), then serves what the app synthesized; a failing app leaves nothing.
 */
jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'cli', 'bin', 'approval.cjs');
const LOCAL_APP = `node --require tsx/cjs ${path.join(ROOT, 'examples', 'release-workflow', 'local-app.ts')}`;

const folders: string[] = [];
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

interface Run {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** `approval local <args>` in `cwd`, with a temp folder (TMPDIR) of its own and free ports. */
function approvalLocal(args: readonly string[], cwd: string, tmp: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  for (const variable of Object.values(LOCAL_PORT_ENV)) env[variable] = '0';
  const child = spawn(process.execPath, [BIN, 'local', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Resolves once the command printed its ready banner; rejects if it exited first. */
function untilReady(run: Run): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (run.output().stdout.includes('Press Ctrl-C to stop.')) resolve();
      else if (run.child.exitCode !== null) reject(new Error(`approval local exited:\n${run.output().stderr}`));
      else return;
      clearInterval(check);
    }, 100);
  });
}

/** A folder with an app that only reports what it was given (its context and output folder) on stderr, then fails. */
function reportingApp(): string {
  const dir = tempFolder('local-app-');
  fs.writeFileSync(
    path.join(dir, 'app.js'),
    `process.stderr.write('given ' + JSON.stringify({ context: JSON.parse(process.env.CDK_CONTEXT_JSON), outdir: process.env.CDK_OUTDIR }) + '\\n');\nprocess.exit(3);\n`,
  );
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js', context: { fromCdkJson: true, setting: 'cdk.json' } }));
  fs.writeFileSync(path.join(dir, 'cdk.context.json'), JSON.stringify({ fromCache: 'yes', setting: 'cdk.context.json' }));
  return dir;
}

const assembliesIn = (tmp: string): string[] => fs.readdirSync(tmp).filter((name) => name.startsWith('approval-local-'));

describe('approval local', () => {
  it("runs cdk.json's app with the context of cdk.context.json, cdk.json and -c (-c winning), and shows a failing app's stderr", async () => {
    const tmp = tempFolder('local-tmp-');
    const run = approvalLocal(['-c', 'setting=command line', '-c', 'extra=1'], reportingApp(), tmp);

    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    const given = JSON.parse(/^given (.*)$/m.exec(stderr)?.[1] ?? 'null') as { context: unknown; outdir: string };
    expect(given.context).toEqual({ fromCache: 'yes', fromCdkJson: true, setting: 'command line', extra: '1' });
    expect(path.dirname(given.outdir)).toBe(fs.realpathSync(tmp));
    expect(stderr).toContain('The CDK app `node app.js` exited with code 3; nothing was started.');
    // The app's output folder is gone with it.
    expect(fs.existsSync(given.outdir)).toBe(false);
    expect(assembliesIn(tmp)).toEqual([]);
  });

  it('runs the --app command instead, and exits 1 with its stderr when it fails', async () => {
    const tmp = tempFolder('local-tmp-');
    const run = approvalLocal(
      ['--app', `node -e "console.error('the app broke: no such construct'); process.exit(2)"`],
      reportingApp(),
      tmp,
    );

    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toContain('the app broke: no such construct\nThe CDK app `node -e');
    expect(run.output().stderr).not.toContain('given ');
    expect(assembliesIn(tmp)).toEqual([]);
  });

  it('says what to do when there is no app to run, and exits 2', async () => {
    const tmp = tempFolder('local-tmp-');
    const run = approvalLocal([], tempFolder('no-app-'), tmp);

    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toContain('No CDK app to run: pass --app "<command>"');
    expect(run.output().stderr).toContain('Run `approval local --help` for usage.');
    expect(assembliesIn(tmp)).toEqual([]);
  });

  it('serves what the app synthesized with the context given: -c stackName names the stack and its state machine', async () => {
    const tmp = tempFolder('local-tmp-');
    const run = approvalLocal(['--app', LOCAL_APP, '-c', 'stackName=ContextReached', '--quiet'], ROOT, tmp);
    await untilReady(run);
    expect(assembliesIn(tmp)).toHaveLength(1);

    run.child.kill('SIGTERM');

    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    expect(stdout).toContain('Stack ContextReached is running locally');
    expect(stdout).toMatch(/State machine \(approval\) +arn:aws:states:[^:]+:\d+:stateMachine:ContextReached\n/);
    expect(stdout).toContain('npx approval start --local --stack-name ContextReached --wait');
    expect(stdout).toContain('SIGTERM: stopping the local stack...\nStopped; all ports are free.\n');
    expect(assembliesIn(tmp)).toEqual([]);
  });

  it('serves an assembly given with --assembly as it is, running no app and leaving the assembly in place', async () => {
    const assembly = testAssembly({ stackName: 'GivenAssembly' });
    const tmp = tempFolder('local-tmp-');
    // The folder's cdk.json names an app that would fail: --assembly must not run it.
    const run = approvalLocal(['--assembly', assembly, '--quiet'], reportingApp(), tmp);
    await untilReady(run);

    run.child.kill('SIGTERM');

    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('Stack GivenAssembly is running locally');
    expect(run.output().stderr).not.toContain('given ');
    expect(assembliesIn(tmp)).toEqual([]);
    expect(fs.existsSync(path.join(assembly, 'manifest.json'))).toBe(true);
  });

  it('refuses --assembly with -c, and a folder that is no cloud assembly, with exit code 2', async () => {
    const assembly = testAssembly();
    const withContext = approvalLocal(['--assembly', assembly, '-c', 'linkMode=confirm'], ROOT, tempFolder('local-tmp-'));
    const notAssembly = approvalLocal(['--assembly', tempFolder('not-an-assembly-')], ROOT, tempFolder('local-tmp-'));

    expect(await withContext.exited).toBe(2);
    expect(withContext.output().stderr).toContain('-c sets context for a synthesis; --assembly serves one already made.');
    expect(await notAssembly.exited).toBe(2);
    expect(notAssembly.output().stderr).toMatch(/--assembly \S+ is not a cloud assembly: it has no manifest\.json/);
  });
});

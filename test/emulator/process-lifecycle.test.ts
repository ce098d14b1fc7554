import { CreateStateMachineCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCAL_PORT_ENV, LOCAL_PORT_PURPOSE, type LocalService } from '../../local/ports';
import { testAssembly } from '../support/assemblies';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';

/**
 * `npm start` as a person or a supervisor runs it: in its own process group, stopped each way it
 * can be, then checked from outside (the ports and /proc), not through the stack's own word.
 * A start that synthesizes the CDK app takes seconds of CPU: two cases do, as `npm start` does; the
 * others serve the run's assembly of the same app (`--assembly`), which stops the same way.
 */
jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const HOST = '127.0.0.1';
const SERVICES: readonly LocalService[] = ['api', 'ses', 'stepFunctions', 'lambda', 'slack'];
/** A few seconds, with room for a loaded machine. */
const STOPPED_WITHIN_MS = 10_000;
const READY_WITHIN_MS = 120_000;
const READY_LINE = 'Press Ctrl-C to stop.';
const STOPPED_LINE = 'Stopped; all ports are free.';

interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly argv: readonly string[];
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid: Number(ppid), pgid: Number(pgid), state: state ?? '', argv };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Processes of the group that still run (a zombie holds no port and runs nothing). */
function runningInGroup(pgid: number): ProcessInfo[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined && info.pgid === pgid && info.state !== 'Z');
}

const isRunning = (pid: number): boolean => {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z';
};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/** Distinct ports that are free now (each held until all are picked, so none repeats). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer().listen(0, HOST, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Still not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

/** A temp folder of its own for one run (TMPDIR), so that what the run leaves in it is its own. */
function ownTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-'));
  tempDirs.push(dir);
  return dir;
}
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The synthesized cloud assemblies left in a run's temp folder. */
const assembliesLeftIn = (tmp: string): string[] => fs.readdirSync(tmp).filter((name) => name.startsWith('approval-local-'));

interface NpmStart extends NpmRun {
  readonly ports: Readonly<Record<LocalService, number>>;
  /** Its temp folder (TMPDIR), where it synthesizes the CDK app. */
  readonly tmp: string;
}

function npmStart(ports: Readonly<Record<LocalService, number>>, synthesize: boolean): NpmStart {
  const tmp = ownTempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, APPROVAL_LOCAL_HOST: HOST, TMPDIR: tmp };
  for (const service of SERVICES) env[LOCAL_PORT_ENV[service]] = String(ports[service]);
  const served = synthesize ? [] : ['--assembly', testAssembly()];
  return { ...spawnNpm(['start', '--', '--quiet', ...served], env), ports, tmp };
}

/**
 * `npm <args>` in a process group of its own (detached), as a terminal runs the foreground job,
 * with what it prints on both streams gathered.
 */
function spawnNpm(args: readonly string[], env: NodeJS.ProcessEnv): NpmRun {
  const npm = spawn('npm', args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const closed = [npm.stdout, npm.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.on('close', () => resolve());
      }),
  );
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  return { npm, output: () => text, outputClosed: Promise.all(closed).then(() => undefined), exited };
}

/** Whatever a failed case left behind is killed, so that no later test or run finds its ports taken. */
const started: Array<{ readonly npm: ChildProcess }> = [];
afterEach(() => {
  for (const { npm } of started.splice(0)) {
    if (npm.pid === undefined) continue;
    for (const leftover of runningInGroup(npm.pid)) {
      try {
        process.kill(leftover.pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
  }
});

async function portsOf(): Promise<Record<LocalService, number>> {
  const ports = await freePorts(SERVICES.length);
  return Object.fromEntries(SERVICES.map((service, index) => [service, ports[index]])) as Record<LocalService, number>;
}

/** `npm start` up and ready, with its node process and the worker process it forked. */
async function readyStack(synthesize = false): Promise<{ run: NpmStart; pgid: number; node: ProcessInfo; worker: ProcessInfo }> {
  let run = npmStart(await portsOf(), synthesize);
  started.push(run);
  // The ports were free when picked, but suites beside this one bind free ports too: one of them may
  // take a picked port before npm start binds it. That run ends at once naming the port; start again
  // with new ones (once: a second loss would be a real problem).
  if ((await untilReadyOrExited(run)) === 'exited' && /is already in use/.test(run.output())) {
    run = npmStart(await portsOf(), synthesize);
    started.push(run);
  }
  if ((await untilReadyOrExited(run)) !== 'ready') throw new Error(`npm start was not ready. It printed:\n${run.output()}`);
  const pgid = run.npm.pid ?? 0;
  const group = runningInGroup(pgid);
  const node = group.find((info) => path.basename(info.argv[0] ?? '') === 'node' && info.argv.includes('cli/bin/approval.cjs'));
  const worker = group.find((info) => info.argv.some((arg) => arg.endsWith(path.join('local', 'worker', 'worker-process.ts'))));
  if (!node || !worker)
    throw new Error(`No stack processes in the group of npm start:\n${group.map((info) => info.argv.join(' ')).join('\n')}`);
  return { run, pgid, node, worker };
}

/** Waits for the ready line, or for npm to end without it. */
async function untilReadyOrExited(run: NpmStart): Promise<'ready' | 'exited' | 'timed out'> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  try {
    await waitFor(() => exited || run.output().includes(READY_LINE), READY_WITHIN_MS);
  } catch {
    return 'timed out';
  }
  return run.output().includes(READY_LINE) ? 'ready' : 'exited';
}

/** Every port free, no process of the group left and no synthesized assembly in its temp folder, within the limit. */
async function expectStopped(run: NpmStart, pgid: number, pids: readonly number[], withinMs = STOPPED_WITHIN_MS): Promise<void> {
  await waitFor(async () => {
    const free = await Promise.all(SERVICES.map((service) => portIsFree(run.ports[service])));
    return free.every(Boolean) && runningInGroup(pgid).length === 0 && !pids.some(isRunning);
  }, withinMs).catch(() => {
    const left = runningInGroup(pgid).map((info) => `${info.pid} ${info.argv.join(' ')}`);
    throw new Error(
      `Not stopped within ${withinMs} ms; still running:\n${left.join('\n') || '(no process; a port is taken)'}\n${run.output()}`,
    );
  });
  await run.outputClosed;
  expect(assembliesLeftIn(run.tmp)).toEqual([]);
}

type Target = 'process group' | 'npm' | 'node';

describe('npm start stops, freeing every port and leaving no process', () => {
  const cases: ReadonlyArray<[string, Target, NodeJS.Signals, string]> = [
    ['Ctrl-C (SIGINT to the foreground process group)', 'process group', 'SIGINT', 'SIGINT: stopping the local stack...'],
    ['SIGTERM to npm only, as timeout or a supervisor sends it', 'npm', 'SIGTERM', 'SIGTERM: stopping the local stack...'],
    ['SIGTERM to the node process only', 'node', 'SIGTERM', 'SIGTERM: stopping the local stack...'],
    ['closing the terminal (SIGHUP to the process group)', 'process group', 'SIGHUP', 'SIGHUP: stopping the local stack...'],
    ['SIGHUP to npm only', 'npm', 'SIGHUP', 'Parent process exited: stopping the local stack...'],
    ['npm killed outright (SIGKILL)', 'npm', 'SIGKILL', 'Parent process exited: stopping the local stack...'],
  ];

  it.each(cases)('on %s', async (name, target, signal, stoppingLine) => {
    const { run, pgid, node, worker } = await readyStack(name === cases[0]?.[0]);

    process.kill(target === 'process group' ? -pgid : target === 'npm' ? pgid : node.pid, signal);

    await expectStopped(run, pgid, [node.pid, worker.pid]);
    const output = run.output();
    expect(output).toContain(`\n${stoppingLine}\n${STOPPED_LINE}\n`);
    // npm forwards SIGINT and SIGTERM, so a signal to the whole group arrives twice: still one stop.
    expect(output).not.toContain('Stopping immediately');
  });

  it('stops at once on a second signal while a stop is waiting', async () => {
    const { run, pgid, node, worker } = await readyStack();
    // A worker that cannot end keeps the first stop waiting on it.
    process.kill(worker.pid, 'SIGSTOP');
    process.kill(node.pid, 'SIGTERM');
    await waitFor(() => run.output().includes('SIGTERM: stopping the local stack...'), STOPPED_WITHIN_MS);
    // Past npm's echo of the first signal: this is someone asking again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(run.output()).not.toContain(STOPPED_LINE);

    process.kill(node.pid, 'SIGTERM');

    await expectStopped(run, pgid, [node.pid, worker.pid]);
    expect(run.output()).toContain('Stopping immediately.');
    expect(await run.exited).toBe(130);
  });

  it('stops anyway, a few seconds on, when the stop cannot finish', async () => {
    const { run, pgid, node, worker } = await readyStack();
    process.kill(worker.pid, 'SIGSTOP');

    process.kill(pgid, 'SIGTERM');

    // `approval local` gives the stop 5 s before it ends the process, the stuck worker with it.
    await expectStopped(run, pgid, [node.pid, worker.pid], 5_000 + STOPPED_WITHIN_MS);
    expect(run.output()).toContain('The local stack did not stop within 5 s; stopping immediately.');
    expect(await run.exited).toBe(1);
  });
});

describe('npm start with a port taken by something else', () => {
  it.each(SERVICES)('names the %s port, what it serves and its variable, exits 2 and leaves nothing running', async (service) => {
    const ports = await portsOf();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(ports[service], HOST, resolve));
    try {
      const run = npmStart(ports, service === 'api');
      started.push(run);
      const pgid = run.npm.pid ?? 0;

      const code = await run.exited;

      expect(code).toBe(2);
      expect(assembliesLeftIn(run.tmp)).toEqual([]);
      expect(run.output()).toContain(
        `Port ${ports[service]} (${LOCAL_PORT_PURPOSE[service]}) is already in use. Stop what uses it, or set ${LOCAL_PORT_ENV[service]} to a free port.\n`,
      );
      await waitFor(() => runningInGroup(pgid).length === 0, STOPPED_WITHIN_MS);
      const others = SERVICES.filter((other) => other !== service);
      expect(await Promise.all(others.map((other) => portIsFree(ports[other])))).toEqual(others.map(() => true));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

interface NpmRun {
  readonly npm: ChildProcess;
  output(): string;
  /** Resolves once every process writing to npm's output has closed it. */
  readonly outputClosed: Promise<void>;
  readonly exited: Promise<number | null>;
}

/** `npm run <script> -- <args>` in a process group of its own, as a terminal runs it. */
function npmRun(script: string, args: readonly string[], env: NodeJS.ProcessEnv): NpmRun {
  const run = spawnNpm(['run', '--silent', script, '--', ...args], { ...process.env, ...env });
  started.push({ npm: run.npm });
  return run;
}

/** The node process a script of the group runs, by the file it was started with. */
function nodeRunning(pgid: number, file: string): ProcessInfo {
  const node = runningInGroup(pgid).find((info) => path.basename(info.argv[0] ?? '') === 'node' && info.argv.includes(file));
  if (!node) throw new Error(`No node process running ${file} in the group`);
  return node;
}

describe('npm run bench stops, leaving no process and no synthesized assembly', () => {
  it.each([
    ['SIGTERM to npm, while it measures on a local stack', 'npm', 'SIGTERM', 'Dispatch and click', 143],
    [
      'Ctrl-C (SIGINT to the process group), while it synthesizes and starts a stack',
      'process group',
      'SIGINT',
      'Starting the local stack',
      130,
    ],
  ] as const)('on %s', async (_, target, signal, after, exitCode) => {
    const tmp = ownTempDir();
    const run = npmRun('bench', [], { TMPDIR: tmp });
    const pgid = run.npm.pid ?? 0;
    await waitFor(() => run.output().includes(after), READY_WITHIN_MS);
    const node = nodeRunning(pgid, 'bench/run.ts');

    process.kill(target === 'npm' ? pgid : -pgid, signal);

    expect(await run.exited).toBe(exitCode);
    await waitFor(() => runningInGroup(pgid).length === 0 && !isRunning(node.pid), STOPPED_WITHIN_MS);
    await run.outputClosed;
    expect(run.output()).toContain(`\n${signal}: stopping the benchmark...\nStopped; no results written.\n`);
    expect(run.output()).not.toContain('The benchmark failed');
    expect(assembliesLeftIn(tmp)).toEqual([]);
  });
});

describe('npm run example:release stops waiting cleanly and prints what it was given escaped', () => {
  const local = useLocalStepFunctions();
  /** As the local stack names the release workflow, with a right-to-left override in it: the execution ARN carries it. */
  const MACHINE_NAME = 'HumanApproval-ReleaseWorkflow\u202eA1';

  beforeAll(async () => {
    const definition = { StartAt: 'Waiting', States: { Waiting: { Type: 'Wait', Seconds: 3_600, End: true } } };
    await local.sfn.send(new CreateStateMachineCommand({ name: MACHINE_NAME, definition: JSON.stringify(definition), roleArn: ROLE_ARN }));
  });

  const example = (release: string): NpmRun =>
    npmRun('example:release', ['--release', release, '--approver', 'ana@example.com'], {
      [LOCAL_PORT_ENV.stepFunctions]: new URL(local.endpoint.url).port,
      APPROVAL_LOCAL_HOST: HOST,
    });

  it.each([
    ['Ctrl-C (SIGINT to the process group)', 'process group', 'SIGINT', 130],
    ['SIGTERM to npm', 'npm', 'SIGTERM', 143],
    // npm itself dies of a SIGHUP, so it has no exit code of its own to give.
    ['closing the terminal (SIGHUP to the process group)', 'process group', 'SIGHUP', null],
  ] as const)('on %s, naming the release workflow that goes on', async (_, target, signal, exitCode) => {
    const run = example('42');
    const pgid = run.npm.pid ?? 0;
    await waitFor(() => run.output().includes('waiting...'), READY_WITHIN_MS);
    const executionArn = /^Started release 42: (\S+)$/m.exec(run.output())?.[1] ?? '';

    process.kill(target === 'npm' ? pgid : -pgid, signal);

    expect(await run.exited).toBe(exitCode);
    await waitFor(() => runningInGroup(pgid).length === 0, STOPPED_WITHIN_MS);
    await run.outputClosed;
    expect(run.output()).toContain(`\n${signal}: stopped waiting...\nThe release workflow goes on in the local stack: ${executionArn}\n`);
    expect(run.output()).not.toContain('Stopping immediately');
    expect(executionArn).toContain('ReleaseWorkflow\\u202eA1');
  });

  it('prints the execution ARN and the release with control, bidi and hidden characters as \\u escapes', async () => {
    const run = example('42\u202e\u001b[2J\ufff9');
    const pgid = run.npm.pid ?? 0;
    await waitFor(() => run.output().includes('waiting...'), READY_WITHIN_MS);
    process.kill(pgid, 'SIGTERM');
    await run.exited;
    await run.outputClosed;

    const started = /^Started release (.*): (\S+)$/m.exec(run.output());
    expect(started?.[1]).toBe('42\\u202e\\u001b[2J\\ufff9');
    expect(started?.[2]).toMatch(/^arn:aws:states:[^:]+:\d{12}:execution:HumanApproval-ReleaseWorkflow\\u202eA1:[\w-]+$/);
    expect(run.output()).not.toMatch(/[\u202e\u001b\ufff9]/);
    // The execution it named is the one that was started, and it is still running.
    const arn = started?.[2]?.replace('\\u202e', '\u202e') ?? '';
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
  });
});

#!/usr/bin/env node
// `npm run test:consumer`: what a team gets from the packages. Builds the tarballs
// (`npm run package`), then, in a temporary folder outside this checkout, a plain JavaScript CDK app
// (test/consumer/app/) that has only aws-cdk-lib, constructs, aws-cdk and cdk-nag besides our
// packages:
//   1. installs it;
//   2. type-checks a TypeScript file against the package's declarations;
//   3. `cdk synth` with cdk-nag's AwsSolutions checks;
//   4. `npx approval --help`;
//   5. `npx approval local --app "node app.js"`: starts the team's own workflow, which asks for an
//      approval, clicks Approve in the email the local SES received, and sees the workflow succeed;
//      then stops it with Ctrl-C (SIGINT).
// Each step prints what it did; any failure exits 1 with the step named.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { packageAll } from '../../tools/package.mjs';

// The notice about the SDK's releases after January 2027 is not about this run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const started = Date.now();
/** With quotes: what the approval hands back to the workflow must keep them (see tools/package.mjs). */
const SUBJECT = 'Ship "7"';
const say = (line) => process.stdout.write(`consumer: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
const installedVersion = (name) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Runs a command in the app folder; its output is shown only when it fails. */
function run(dir, command, args, env = {}) {
  try {
    return execFileSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${error.status})`);
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `npx approval local`, until it prints its ready banner; its output is kept for a failure report. */
async function startLocal(dir, ports) {
  const output = [];
  // The installed bin itself, not npx: a stop or a kill then reaches the command, not a wrapper.
  const child = spawn(process.execPath, [path.join(dir, 'node_modules', '.bin', 'approval'), 'local', '--app', 'node app.js'], {
    cwd: dir,
    env: {
      ...process.env,
      APPROVAL_LOCAL_API_PORT: String(ports.api),
      APPROVAL_LOCAL_SES_PORT: String(ports.ses),
      APPROVAL_LOCAL_SFN_PORT: String(ports.stepFunctions),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  try {
    await Promise.race([
      waitFor('the ready banner of `approval local`', () => /Ready in [\d.]+ s/.test(output.join('')), 120_000),
      exited.then(({ code }) => Promise.reject(new Error(`approval local exited with ${code} before it was ready`))),
    ]);
  } catch (error) {
    process.stderr.write(output.join(''));
    child.kill('SIGKILL');
    throw error;
  }
  return { child, output, exited };
}

async function main() {
  say('building the packages');
  const tarballs = await packageAll();
  const tarball = (name) => {
    const found = tarballs.find(
      (file) => path.basename(file).startsWith(`${name}-`) && /^\d/.test(path.basename(file).slice(name.length + 1)),
    );
    if (!found) throw new Error(`no tarball of ${name} in ${tarballs.join(', ')}`);
    return found;
  };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-consumer-'));
  let local;
  try {
    for (const file of fs.readdirSync(path.join(here, 'app'))) fs.copyFileSync(path.join(here, 'app', file), path.join(dir, file));
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify(
        {
          name: 'team-workflow',
          private: true,
          dependencies: {
            'aws-cdk-lib': installedVersion('aws-cdk-lib'),
            constructs: installedVersion('constructs'),
            'stepfunctions-human-approval': `file:${tarball('stepfunctions-human-approval')}`,
          },
          devDependencies: {
            'aws-cdk': installedVersion('aws-cdk'),
            'cdk-nag': installedVersion('cdk-nag'),
            'stepfunctions-human-approval-cli': `file:${tarball('stepfunctions-human-approval-cli')}`,
            'stepfunctions-human-approval-local': `file:${tarball('stepfunctions-human-approval-local')}`,
          },
        },
        null,
        2,
      ),
    );

    say(`installing into ${dir}`);
    // The registry packages are the ones this checkout installed, so npm's cache has them.
    run(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
    const installed = fs.readdirSync(path.join(dir, 'node_modules')).filter((name) => name.startsWith('stepfunctions-human-approval'));
    if (installed.length !== 3) throw new Error(`expected our three packages in node_modules, found ${installed.join(', ')}`);
    if (fs.existsSync(path.join(dir, 'node_modules', 'esbuild')) || fs.existsSync(path.join(dir, 'node_modules', 'typescript'))) {
      throw new Error('the install pulled in esbuild or typescript: a synth must need neither');
    }

    say('type-checking check-types.ts against the package');
    run(dir, process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);

    say('cdk synth with cdk-nag AwsSolutions checks');
    run(dir, 'npx', ['cdk', 'synth', '--quiet'], { CDK_DISABLE_CLI_TELEMETRY: 'true' });
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'TeamWorkflow.template.json'), 'utf8'));
    const machines = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::StepFunctions::StateMachine');
    if (machines.length !== 2) throw new Error(`expected the approval and the team's state machine, found ${machines.length}`);

    say('npx approval --help');
    const help = run(dir, 'npx', ['approval', '--help']);
    if (!/^Usage: approval <command>/.test(help) || !/\blocal\b/.test(help)) throw new Error(`unexpected help:\n${help}`);

    say('npx approval local --app "node app.js"');
    const ports = { api: await freePort(), ses: await freePort(), stepFunctions: await freePort() };
    local = await startLocal(dir, ports);
    const banner = local.output.join('');
    const shipIt = /arn:aws:states:\S+:stateMachine:TeamWorkflow-ShipIt\S*/.exec(banner)?.[0];
    if (!shipIt) throw new Error(`the banner does not list the team's ShipIt state machine:\n${banner}`);

    const sfn = new SFNClient({
      endpoint: `http://127.0.0.1:${ports.stepFunctions}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: shipIt, input: JSON.stringify({ approvers: ['ana@example.com'], subject: SUBJECT }) }),
    );
    say(`started the team workflow (${executionArn}); waiting for the email`);
    const sesUrl = `http://127.0.0.1:${ports.ses}`;
    const email = await waitFor(
      'the approval email in the local SES',
      async () => {
        const { emails } = await (await fetch(`${sesUrl}/store`, { signal: AbortSignal.timeout(5_000) })).json();
        return emails.find((stored) => stored.destination.to.includes('ana@example.com'));
      },
      60_000,
    );
    const approve = /href="([^"]*\/succeed\?[^"]*)"/.exec(email.body.html ?? '')?.[1]?.replaceAll('&amp;', '&');
    if (!approve) throw new Error('the email has no Approve link');
    const click = await fetch(approve, { signal: AbortSignal.timeout(10_000) });
    if (click.status !== 200) throw new Error(`the Approve link answered ${click.status}`);
    say('clicked Approve; waiting for the team workflow to end');
    const ended = await waitFor(
      'the team workflow to end',
      async () => {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return execution.status === 'RUNNING' ? undefined : execution;
      },
      60_000,
    );
    sfn.destroy();
    if (ended.status !== 'SUCCEEDED') throw new Error(`the team workflow ended ${ended.status}: ${ended.error ?? ''} ${ended.cause ?? ''}`);
    // The approval's answer to the waiting workflow is its output as JSON text: the quotes of the
    // subject survive only with the patched interpreter in the emulator's bundle.
    const answer = JSON.parse(ended.output ?? '{}').approval;
    if (answer?.subject !== SUBJECT || answer?.approval?.decision?.decision !== 'approved') {
      throw new Error(`the team workflow's result is not the approval's output: ${ended.output}`);
    }

    say('stopping approval local with Ctrl-C');
    local.child.kill('SIGINT');
    const { code } = await local.exited;
    if (code !== 0) throw new Error(`approval local exited with ${code} after Ctrl-C:\n${local.output.join('')}`);
    local = undefined;
    say('passed');
  } finally {
    local?.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`consumer: FAILED: ${error.message}\n`);
  process.exit(1);
});

/**
 * Runs @aws-cdk/integ-runner on test/integ/integ.human-approval.ts:
 *
 *   check   compare the synthesized stacks with the committed snapshot (offline, no credentials)
 *   update  rewrite the snapshot after an intended change (offline: nothing is deployed)
 *   aws     deploy into the caller's account, run the assertions, destroy (needs AWS, see README)
 *
 * Usage: node --require tsx/cjs test/integ/run-integ.ts check|update|aws
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PreflightError, prepareAwsRun } from './aws-preflight';
import { REUSE_ASSEMBLY_ENV } from './run-integ-app';

const ROOT = path.join(__dirname, '..', '..');
const INTEG_DIRECTORY = path.relative(ROOT, __dirname);
const TEST_FILE = 'integ.human-approval.ts';
const SNAPSHOT = path.join(__dirname, `${TEST_FILE}.snapshot`);
/** In the order they are deployed (each depends on the ones before it). */
const STACKS_DEPLOYED = [
  'HumanApprovalInteg',
  'HumanApprovalIntegConfirm',
  'HumanApprovalIntegProbe',
  'HumanApprovalIntegTestDefaultTestDeployAssertE50BA5D0',
];

/** Options every mode shares: where the test is and how to run a TypeScript app (see run-integ-app.ts). */
const RUNNER_OPTIONS = [
  '--directory',
  INTEG_DIRECTORY,
  '--app',
  `node --require tsx/cjs ${path.relative(ROOT, path.join(__dirname, 'run-integ-app.ts'))} {filePath}`,
  '--test-regex',
  '^integ\\..+\\.ts$',
];

/**
 * No AWS, no telemetry: what CI has. A region, because without one the toolkit inside integ-runner
 * asks the EC2 instance metadata service for it (the stacks are environment-agnostic, so any will do).
 */
const OFFLINE_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' };

function integRunner(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const bin = require.resolve('@aws-cdk/integ-runner/bin/integ-runner');
  const run = spawnSync(process.execPath, [bin, ...RUNNER_OPTIONS, ...args], { cwd: ROOT, env, stdio: 'inherit' });
  return run.status === 0;
}

/**
 * Keeps the committed snapshot to what integ-runner compares (templates and manifests), the same
 * on every machine: asset folders (the 2 MB bundle of integ-tests' assertion provider) are rebuilt
 * at every synth, and the call stacks CDK records with each cdk-nag acknowledgement hold this
 * machine's paths and line numbers.
 */
function tidySnapshot(): void {
  if (!existsSync(SNAPSHOT)) return;
  for (const name of readdirSync(SNAPSHOT)) {
    const file = path.join(SNAPSHOT, name);
    if (name.startsWith('asset.')) rmSync(file, { recursive: true, force: true });
    if (name.endsWith('.metadata.json')) {
      const metadata = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Array<Record<string, unknown>>>;
      const withoutTraces = Object.fromEntries(
        Object.entries(metadata).map(([construct, entries]) => [construct, entries.map(({ trace: _trace, ...entry }) => entry)]),
      );
      writeFileSync(file, `${JSON.stringify(withoutTraces, undefined, 2)}\n`);
    }
  }
}

function check(): number {
  console.log(`Comparing the synthesized integ test stacks with ${path.relative(ROOT, SNAPSHOT)} (offline)...`);
  // integ-runner synthesizes the app twice with the same settings; the second one copies the first.
  const reuseDir = mkdtempSync(path.join(os.tmpdir(), 'integ-assembly-'));
  let same: boolean;
  try {
    same = integRunner([], { ...process.env, ...OFFLINE_ENV, [REUSE_ASSEMBLY_ENV]: reuseDir });
  } finally {
    rmSync(reuseDir, { recursive: true, force: true });
  }
  if (same) return 0;
  console.error(
    '\nThe stacks differ from the snapshot. If the change is intended, refresh it offline with `npm run test:integ-update` ' +
      'and commit the snapshot; `npm run test:aws` proves the changed stacks on AWS and refreshes it too.',
  );
  return 1;
}

/** Where the committed snapshot waits during a run (ignored by git, like integ-runner's own output). */
const SET_ASIDE = path.join(__dirname, `cdk-integ.out.set-aside.${TEST_FILE}.snapshot`);

/**
 * Runs integ-runner on a fresh snapshot rather than over the committed one, which it would refuse
 * to replace over a "destructive" change (a replaced resource) even when the new stacks pass: the
 * committed snapshot is set aside, and put back unless the run wrote a new one.
 */
function withSnapshotSetAside(run: () => boolean): boolean {
  // An interrupted run may have left the committed snapshot aside.
  if (existsSync(SET_ASIDE) && !existsSync(SNAPSHOT)) renameSync(SET_ASIDE, SNAPSHOT);
  rmSync(SET_ASIDE, { recursive: true, force: true });
  const hadSnapshot = existsSync(SNAPSHOT);
  if (hadSnapshot) renameSync(SNAPSHOT, SET_ASIDE);
  const ok = run() && existsSync(SNAPSHOT);
  if (hadSnapshot && !ok) {
    rmSync(SNAPSHOT, { recursive: true, force: true });
    renameSync(SET_ASIDE, SNAPSHOT);
  }
  rmSync(SET_ASIDE, { recursive: true, force: true });
  if (ok) tidySnapshot();
  return ok;
}

function update(): number {
  console.log(`Rewriting ${path.relative(ROOT, SNAPSHOT)} from the current stacks (offline: integ-runner --dry-run deploys nothing)...`);
  const ok = withSnapshotSetAside(() =>
    integRunner(['--update-on-failed', '--dry-run', '--parallel-regions', 'us-east-1'], { ...process.env, ...OFFLINE_ENV }),
  );
  if (!ok) {
    console.error('\nCould not synthesize the integ test; the previous snapshot is back in place.');
    return 1;
  }
  console.log(`\nSnapshot rewritten: review and commit ${path.relative(ROOT, SNAPSHOT)}.`);
  return 0;
}

async function aws(): Promise<number> {
  let run;
  try {
    run = await prepareAwsRun(process.env);
  } catch (error) {
    if (error instanceof PreflightError) {
      console.error(`npm run test:aws: ${error.message}`);
      return 1;
    }
    throw error;
  }
  console.log(
    [
      `Real-AWS integration test in account ${run.account}, region ${run.region}, sending from ${run.senderEmail}.`,
      `It deploys the stacks ${STACKS_DEPLOYED.join(', ')}, runs the probe, and destroys them: about 15 to 25 minutes, a few cents.`,
      ...run.notes.map((note) => `Note: ${note}`),
      'If it is interrupted, delete those stacks in the CloudFormation console (the last one first).',
      '',
    ].join('\n'),
  );
  // Not offline: the instance metadata service may be where the credentials come from.
  const env = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_REGION: run.region,
    APPROVAL_INTEG_SENDER_EMAIL: run.senderEmail,
    APPROVAL_INTEG_CREATE_API_GATEWAY_ACCOUNT_ROLE: String(run.createApiGatewayAccountRole),
  };
  // --force runs the test whatever the snapshot says; integ-runner destroys the stacks afterwards
  // (after a failure too) and, when every assertion passed, writes the snapshot of what it tested.
  const ok = withSnapshotSetAside(() =>
    integRunner(['--force', '--parallel-regions', run.region, '--no-update-workflow', '--verbose', '--verbose'], env),
  );
  console.log(
    ok
      ? `\nAll assertions passed on AWS; the stacks are destroyed, and ${path.relative(ROOT, SNAPSHOT)} records what was tested.`
      : '\nThe integration test failed: see the assertion results above. The committed snapshot is unchanged.',
  );
  return ok ? 0 : 1;
}

async function main(mode: string | undefined): Promise<number> {
  if (mode === 'check') return check();
  if (mode === 'update') return update();
  if (mode === 'aws') return aws();
  console.error('Usage: node --require tsx/cjs test/integ/run-integ.ts check|update|aws');
  return 2;
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);

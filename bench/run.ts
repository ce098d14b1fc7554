import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  fetchStoredEmails,
  loadLocalStack,
  type LocalStack,
  type LocalStackOptions,
  onlyResourceOfType,
  startLocalStack,
  stopProcessOnRequest,
} from 'stepfunctions-human-approval-local';
import { approveLinkOf, sfnClientFor, startApproval } from './local-flow';
import { benchAssembly } from './synth';
import { WORKER_ENV } from '../functions/approval-worker/config';
import { AWS_MODEL } from './aws-model';
import {
  APPROVAL_PRICES,
  approvalCost,
  idleCost,
  MONTHLY_VOLUMES,
  oursLambdaPerApproval,
  PRICES,
  SEED_APPROVAL_TRANSITIONS,
} from './cost-model';

/**
 * `npm run bench`: dispatch latency, drain rate and click latency on the local stack at the
 * project's default settings, and the idle cost and bundle size from the synthesized template.
 * Prints a table and writes bench/results/latest.json. Targets are checked at the end.
 */

const DISPATCH_REQUESTS = 200;
const DRAIN_REQUESTS = 500;
/** Requests of the AWS-model dispatch measure, one at a time after a quiet spell. */
const AWS_MODEL_DISPATCH_REQUESTS = 50;
const BACKLOG_REQUESTS = Number(process.env.BENCH_BACKLOG_REQUESTS ?? 10_000);
const BACKLOG_SEND_RATE = Number(process.env.BENCH_BACKLOG_SEND_RATE ?? 100);
/**
 * The worker's time limit in the backlog run: a run polls only while a whole 60-second poll and one
 * task's budget fit (80 s), so at 100 s each run works about 20 s and must hand over several times.
 */
const BACKLOG_WORKER_TIMEOUT_SECONDS = 100;
/**
 * StartExecution calls the backlog run keeps in flight. On AWS the service starts executions on its
 * own capacity and throttles a burst (StartExecution's token bucket: 1,300, refilled 300 a second in
 * the largest regions), so the worker never waits behind it. Locally the same process serves both:
 * with 200 calls in flight the worker's polls and heartbeats queued behind them and the drain ran
 * at 20 to 40 emails a second until every execution had started. A few in flight still start the
 * 10,000 faster than the drain needs them (about 160 a second here) and leave the worker its share.
 */
const BACKLOG_START_CONCURRENCY = Number(process.env.BENCH_BACKLOG_START_CONCURRENCY ?? 8);
const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

const TARGETS = {
  dispatch_p50_ms: { max: 500 },
  dispatch_p99_ms: { max: 2_000 },
  drain_rate_ratio: { min: 0.9 },
  click_p50_ms: { max: 50 },
  idle_cost_usd_month: { max: 0.1 },
  backlog_rate_ratio: { min: 0.9 },
  backlog_max_gap_s: { max: 5 },
  backlog_lost: { max: 0 },
  backlog_duplicated: { max: 0 },
  local_stack_peak_rss_mb: { max: 1024 },
} as const;

/** The local stacks up now, which a stop request closes. */
const openStacks = new Set<LocalStack>();
let stopping = false;

/**
 * A local stack of the app `npm start` serves, synthesized with `context` on top of cdk.json, that
 * a stop request closes, however far the benchmark has got.
 */
async function openStack(
  options: Omit<LocalStackOptions, 'assemblyDir'> & { readonly context?: Readonly<Record<string, unknown>> },
): Promise<LocalStack> {
  const { context, ...rest } = options;
  const stack = await startLocalStack({ ...rest, assemblyDir: benchAssembly(context).assemblyDir });
  openStacks.add(stack);
  return {
    ...stack,
    close: async () => {
      openStacks.delete(stack);
      await stack.close();
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** Resolves when `count` emails to `to` have been accepted by the local SES; returns when the last one was. */
async function emailAccepted(stack: LocalStack, to: ReadonlySet<string>, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const accepted = stack.ses.sent().filter((email) => to.has(email.to[0] ?? ''));
    if (accepted.length >= count) return Math.max(...accepted.map((email) => email.acceptedAt));
    if (Date.now() > deadline) throw new Error(`Only ${accepted.length} of ${count} emails arrived within ${timeoutMs} ms`);
    await sleep(2);
  }
}

async function approveLinkFor(stack: LocalStack, manager: string): Promise<string> {
  const email = (await fetchStoredEmails(stack.sesUrl)).find((candidate) => candidate.destination.to.includes(manager));
  if (!email) throw new Error(`No email to ${manager}`);
  return approveLinkOf(email);
}

const start = (sfn: SFNClient, stack: LocalStack, manager: string, name: string): Promise<string> =>
  startApproval(sfn, stack, { managerEmailAddress: manager, employeeName: name });

/** One request at a time: StartExecution to email stored, then link request to execution closed. */
async function measureDispatchAndClick(
  stack: LocalStack,
  sfn: SFNClient,
): Promise<{ dispatch: number[]; click: number[]; lastExecutionArn: string }> {
  const dispatch: number[] = [];
  const click: number[] = [];
  let lastExecutionArn = '';
  const closedAt = new Map<string, number>();
  stack.stepFunctions.engine.on('executionClosed', ({ executionArn }) =>
    closedAt.set(executionArn, performance.timeOrigin + performance.now()),
  );
  for (let i = 0; i < DISPATCH_REQUESTS; i++) {
    const manager = `dispatch-${i}@example.com`;
    const startedAt = Date.now();
    const executionArn = await start(sfn, stack, manager, `Dispatch ${i}`);
    lastExecutionArn = executionArn;
    const acceptedAt = await emailAccepted(stack, new Set([manager]), 1, 30_000);
    dispatch.push(acceptedAt - startedAt);

    const link = await approveLinkFor(stack, manager);
    const clickedAt = performance.timeOrigin + performance.now();
    const page = await fetch(link);
    await page.text();
    if (page.status !== 200) throw new Error(`Approving request ${i} answered ${page.status}`);
    while (!closedAt.has(executionArn)) await sleep(1);
    click.push((closedAt.get(executionArn) ?? Number.NaN) - clickedAt);
  }
  return { dispatch, click, lastExecutionArn };
}

/** The state transitions of one approved request of each shape, counted from real executions. */
interface PolicyTransitions {
  /** One approver (the original sample's request). */
  readonly oneApprover: number;
  /** Two approvers, policy any: the first approval decides. */
  readonly anyOfTwo: number;
  /** Two approvers, policy all: both approve. */
  readonly allOfTwo: number;
}

async function measurePolicyTransitions(stack: LocalStack, sfn: SFNClient, oneApproverArn: string): Promise<PolicyTransitions> {
  const approveAll = async (approvers: readonly string[], policy: 'any' | 'all', clicks: number): Promise<number> => {
    const executionArn = await startApproval(sfn, stack, { approvers, policy, subject: `Transitions of policy ${policy}` });
    await emailAccepted(stack, new Set(approvers), approvers.length, 30_000);
    for (const approver of approvers.slice(0, clicks)) {
      const page = await fetch(await approveLinkFor(stack, approver));
      await page.text();
      if (page.status !== 200) throw new Error(`Approving for ${approver} answered ${page.status}`);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status === 'SUCCEEDED') break;
      if (status !== 'RUNNING' || Date.now() > deadline) throw new Error(`The ${policy} request ended ${String(status)}, not SUCCEEDED`);
      await sleep(10);
    }
    return stateTransitionsOf(sfn, executionArn);
  };
  return {
    oneApprover: await stateTransitionsOf(sfn, oneApproverArn),
    anyOfTwo: await approveAll(['any-a@example.com', 'any-b@example.com'], 'any', 1),
    allOfTwo: await approveAll(['all-a@example.com', 'all-b@example.com'], 'all', 2),
  };
}

/** Many requests at once: how fast the backlog is emailed, against the configured send rate. */
async function measureDrain(stack: LocalStack, sfn: SFNClient): Promise<{ seconds: number; perSecond: number }> {
  const managers = Array.from({ length: DRAIN_REQUESTS }, (_, i) => `drain-${i}@example.com`);
  const startedAt = Date.now();
  await Promise.all(managers.map((manager, i) => start(sfn, stack, manager, `Drain ${i}`)));
  const lastAcceptedAt = await emailAccepted(stack, new Set(managers), DRAIN_REQUESTS, 600_000);
  const seconds = (lastAcceptedAt - startedAt) / 1000;
  return { seconds, perSecond: DRAIN_REQUESTS / seconds };
}

/** The local stack's added latencies that model AWS (bench/aws-model.ts). */
const AWS_MODEL_LATENCY = {
  sesMs: AWS_MODEL.sesSendMs,
  stepFunctionsMs: AWS_MODEL.stepFunctionsCallMs,
  coldStartMs: AWS_MODEL.coldStartMs,
};

/** State transitions of one execution: every state it entered, Map iterations' states included. */
async function stateTransitionsOf(sfn: SFNClient, executionArn: string): Promise<number> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events.filter((event) => event.type?.endsWith('StateEntered')).length;
}

/** Resident memory of this process and its children (the worker), in MB, from /proc (Linux). */
function stackRssMb(): number {
  const rssOf = (pid: string): number => {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let total = process.memoryUsage().rss / (1024 * 1024);
  for (const pid of fs.existsSync('/proc') ? fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)) : []) {
    try {
      const parent = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1];
      if (parent === String(process.pid)) total += rssOf(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

interface BacklogResult {
  readonly count: number;
  readonly seconds: number;
  readonly emailsPerSecond: number;
  readonly rateRatio: number;
  readonly maxGapSeconds: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly peakRssMb: number;
  readonly handOvers: number;
  /** Emails stored in each 10-second window from the first start: where the drain rate falls short. */
  readonly emailsPerTenSeconds: number[];
}

/**
 * `count` requests started at once on a stack with AWS latencies, `sendRate` emails a second and a
 * short worker time limit: the backlog must drain at the send rate, with hand-overs between runs and
 * no stall, every request emailed exactly once.
 */
async function measureBacklog(count: number, sendRate: number, log: (line: string) => void): Promise<BacklogResult> {
  let handOvers = 0;
  const stack = await openStack({
    ports: { api: 0, ses: 0, stepFunctions: 0 },
    context: { maxSendRate: sendRate },
    latency: AWS_MODEL_LATENCY,
    workerTimeoutSeconds: BACKLOG_WORKER_TIMEOUT_SECONDS,
    log: (component, line) => {
      if (component === 'worker' && line.includes('Handed over to a new run')) handOvers++;
    },
  });
  const sfn = sfnClientFor(stack);
  let peakRssMb = stackRssMb();
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, stackRssMb());
  }, 500);
  try {
    const recipients = Array.from({ length: count }, (_, i) => `backlog-${i}@example.com`);
    const wanted = new Set(recipients);
    const startedAt = Date.now();
    let started = 0;
    // StartExecution as a bulk client sends it: as fast as the stack takes the calls, a few in flight.
    await Promise.all(
      Array.from({ length: BACKLOG_START_CONCURRENCY }, async () => {
        while (started < count) {
          const i = started++;
          await start(sfn, stack, recipients[i] ?? '', `Backlog ${i}`);
        }
      }),
    );
    log(`  all ${count} started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; waiting for the emails...`);
    const deadline = Date.now() + Math.max(600_000, (count / sendRate) * 3_000);
    const backlogEmails = (): Array<{ to: string; at: number }> =>
      stack.ses
        .sent()
        .filter((email) => wanted.has(email.to[0] ?? ''))
        .map((email) => ({ to: email.to[0] ?? '', at: email.acceptedAt }));
    while (new Set(backlogEmails().map((email) => email.to)).size < count && Date.now() <= deadline) await sleep(250);
    // A last look for duplicates that a late run could still send.
    await sleep(2_000);
    const accepted = backlogEmails();
    const distinct = new Set(accepted.map((email) => email.to));
    const times = accepted.map((email) => email.at).sort((a, b) => a - b);
    const lastAt = times.at(-1) ?? Number.NaN;
    const seconds = (lastAt - startedAt) / 1000;
    let maxGapMs = (times[0] ?? Number.NaN) - startedAt;
    for (let i = 1; i < times.length; i++) maxGapMs = Math.max(maxGapMs, (times[i] ?? 0) - (times[i - 1] ?? 0));
    const emailsPerTenSeconds: number[] = [];
    for (const at of times) {
      const window = Math.floor((at - startedAt) / 10_000);
      while (emailsPerTenSeconds.length <= window) emailsPerTenSeconds.push(0);
      emailsPerTenSeconds[window] = (emailsPerTenSeconds[window] ?? 0) + 1;
    }
    return {
      count,
      seconds,
      emailsPerSecond: distinct.size / seconds,
      rateRatio: distinct.size / seconds / sendRate,
      maxGapSeconds: maxGapMs / 1000,
      lost: count - distinct.size,
      duplicated: accepted.length - distinct.size,
      peakRssMb,
      handOvers,
      emailsPerTenSeconds,
    };
  } finally {
    clearInterval(sampler);
    sfn.destroy();
    await stack.close();
  }
}

/** Dispatch with AWS latencies on, on a fresh stack: the first request pays the worker's cold start. */
async function measureAwsModelDispatch(): Promise<number[]> {
  const stack = await openStack({
    ports: { api: 0, ses: 0, stepFunctions: 0 },
    latency: AWS_MODEL_LATENCY,
  });
  const sfn = sfnClientFor(stack);
  try {
    const dispatch: number[] = [];
    for (let i = 0; i < AWS_MODEL_DISPATCH_REQUESTS; i++) {
      const manager = `aws-model-${i}@example.com`;
      const startedAt = Date.now();
      await start(sfn, stack, manager, `Dispatch ${i}`);
      dispatch.push((await emailAccepted(stack, new Set([manager]), 1, 30_000)) - startedAt);
    }
    return dispatch;
  } finally {
    sfn.destroy();
    await stack.close();
  }
}

/** The size of the worker's code as deployed: its asset in the cloud assembly. */
function workerBundleBytes(): number {
  const { assemblyDir, template } = benchAssembly();
  const [, fn] = onlyResourceOfType(template, 'AWS::Lambda::Function');
  const key = (fn.Code as { S3Key?: string }).S3Key ?? '';
  return fs.statSync(path.join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js')).size;
}

/** `npm run bench -- backlog [count] [rate]`: only the backlog scenario, e.g. to see how the drain rate grows with maxSendRate. */
async function backlogOnly(count: number, rate: number): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(`Backlog: ${count} requests at once, maxSendRate ${rate}, worker time limit ${BACKLOG_WORKER_TIMEOUT_SECONDS} s...`);
  const result = await measureBacklog(count, rate, log);
  process.stdout.write(`${JSON.stringify({ ...result, sendRate: rate }, null, 2)}\n`);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  loadLocalStack();
  stopProcessOnRequest({
    stopping: 'stopping the benchmark',
    stop: async () => {
      stopping = true;
      for (const stack of openStacks) await stack.close();
    },
    stoppedLine: 'Stopped; no results written.',
  });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (process.argv[2] === 'backlog') {
    await backlogOnly(Number(process.argv[3] ?? BACKLOG_REQUESTS), Number(process.argv[4] ?? BACKLOG_SEND_RATE));
    return;
  }

  log('Synthesizing: idle cost and bundle size...');
  const ours = benchAssembly();
  const originalShape = benchAssembly({ workerScheduleMinutes: 1 });
  const oursIdle = idleCost(ours.template);
  // The original sample's worker: a run every minute that takes one task, polling for 60 s at 128 MB
  // on x86_64, with no slot table. The results file calls it "seed" (its keys stay as they are).
  const originalIdle = idleCost(originalShape.template, { architecture: 'x86_64', slots: false });
  // The stack's maxSendRate: each instance's share times the number of worker slots.
  const [, worker] = onlyResourceOfType(ours.template, 'AWS::Lambda::Function');
  const variables = (worker.Environment as { Variables: Record<string, string> }).Variables;
  const configuredRate = Number(variables[WORKER_ENV.maxSendRate]) * Number(variables[WORKER_ENV.slotCount] ?? 1);
  const bundleBytes = workerBundleBytes();

  log('Starting the local stack at the default settings...');
  const stack = await openStack({ ports: { api: 0, ses: 0, stepFunctions: 0 } });
  const sfn = sfnClientFor(stack);
  try {
    log(`Dispatch and click: ${DISPATCH_REQUESTS} requests, one at a time...`);
    const { dispatch, click, lastExecutionArn } = await measureDispatchAndClick(stack, sfn);
    log('State transitions of one approved request of each policy...');
    const policyTransitions = await measurePolicyTransitions(stack, sfn, lastExecutionArn);
    const transitions = policyTransitions.oneApprover;
    log(`Drain: ${DRAIN_REQUESTS} requests at once, at ${configuredRate} emails/s...`);
    const drain = await measureDrain(stack, sfn);
    sfn.destroy();
    await stack.close();

    log(
      `AWS model (SES ${AWS_MODEL.sesSendMs} ms, Step Functions ${AWS_MODEL.stepFunctionsCallMs} ms, cold start ${AWS_MODEL.coldStartMs} ms): dispatch of ${AWS_MODEL_DISPATCH_REQUESTS}...`,
    );
    const awsDispatch = await measureAwsModelDispatch();
    log(
      `Backlog: ${BACKLOG_REQUESTS} requests at once, maxSendRate ${BACKLOG_SEND_RATE}, worker time limit ${BACKLOG_WORKER_TIMEOUT_SECONDS} s...`,
    );
    const backlog = await measureBacklog(BACKLOG_REQUESTS, BACKLOG_SEND_RATE, log);

    const perApproval = oursLambdaPerApproval(128);
    const oursInputs = {
      stateTransitions: transitions,
      lambdaInvocations: perApproval.invocations,
      lambdaGbSeconds: perApproval.gbSeconds,
      architecture: 'arm64',
      slotWrites: perApproval.slotWrites,
      idleUsdPerMonth: oursIdle.usdPerMonth,
    } as const;
    const seedInputs = {
      stateTransitions: SEED_APPROVAL_TRANSITIONS,
      lambdaInvocations: 0,
      lambdaGbSeconds: 0,
      architecture: 'x86_64',
      slotWrites: 0,
      idleUsdPerMonth: originalIdle.usdPerMonth,
    } as const;
    // The idle cost is shared by the month's approvals: the more a month, the less each carries.
    const atVolume = (inputs: typeof oursInputs | typeof seedInputs, volume: keyof typeof MONTHLY_VOLUMES): number =>
      round(approvalCost(inputs, MONTHLY_VOLUMES[volume]).usdPer1000Approvals, 4);
    const oursApprovals = approvalCost(oursInputs);
    const seedApprovals = approvalCost(seedInputs);

    const results = {
      dispatch_p50_ms: round(percentile(dispatch, 50)),
      dispatch_p99_ms: round(percentile(dispatch, 99)),
      dispatch_requests: DISPATCH_REQUESTS,
      drain_count: DRAIN_REQUESTS,
      drain_seconds: round(drain.seconds, 2),
      drain_emails_per_s: round(drain.perSecond, 2),
      drain_configured_emails_per_s: configuredRate,
      drain_rate_ratio: round(drain.perSecond / configuredRate, 3),
      click_p50_ms: round(percentile(click, 50)),
      click_p99_ms: round(percentile(click, 99)),
      idle_cost_usd_month: round(oursIdle.usdPerMonth, 4),
      seed_idle_cost_usd_month: round(originalIdle.usdPerMonth, 4),
      idle_cost_model: { ours: oursIdle, seed: originalIdle, prices: PRICES },
      worker_bundle_bytes: bundleBytes,
      aws_model_dispatch_p50_ms: round(percentile(awsDispatch, 50)),
      aws_model_dispatch_p99_ms: round(percentile(awsDispatch, 99)),
      aws_model: AWS_MODEL,
      backlog_count: backlog.count,
      backlog_seconds: round(backlog.seconds, 2),
      backlog_emails_per_s: round(backlog.emailsPerSecond, 2),
      backlog_send_rate: BACKLOG_SEND_RATE,
      backlog_rate_ratio: round(backlog.rateRatio, 3),
      backlog_max_gap_s: round(backlog.maxGapSeconds, 2),
      backlog_lost: backlog.lost,
      backlog_duplicated: backlog.duplicated,
      backlog_hand_overs: backlog.handOvers,
      local_stack_peak_rss_mb: round(backlog.peakRssMb, 0),
      one_approver_state_transitions: transitions,
      state_transitions_by_policy: {
        one_approver: policyTransitions.oneApprover,
        any_of_two: policyTransitions.anyOfTwo,
        all_of_two: policyTransitions.allOfTwo,
        seed: SEED_APPROVAL_TRANSITIONS,
      },
      cost_per_1000_approvals_usd_at_1k_month: atVolume(oursInputs, '1k'),
      seed_cost_per_1000_approvals_usd_at_1k_month: atVolume(seedInputs, '1k'),
      cost_per_1000_approvals_usd_at_10k_month: atVolume(oursInputs, '10k'),
      seed_cost_per_1000_approvals_usd_at_10k_month: atVolume(seedInputs, '10k'),
      cost_per_1000_approvals_usd_at_100k_month: atVolume(oursInputs, '100k'),
      seed_cost_per_1000_approvals_usd_at_100k_month: atVolume(seedInputs, '100k'),
      approval_cost_model: { ours: oursApprovals, seed: seedApprovals, prices: APPROVAL_PRICES },
      measured_at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    };
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

    const misses = Object.entries(TARGETS).flatMap(([key, target]) => {
      const value = results[key as keyof typeof TARGETS];
      if ('max' in target && value > target.max) return [`${key} = ${value} (target <= ${target.max})`];
      if ('min' in target && value < target.min) return [`${key} = ${value} (target >= ${target.min})`];
      return [];
    });
    // Ours must cost less than the original sample at every volume.
    const costsByVolume = (Object.keys(MONTHLY_VOLUMES) as Array<keyof typeof MONTHLY_VOLUMES>).map((volume) => ({
      volume,
      ours: atVolume(oursInputs, volume),
      seed: atVolume(seedInputs, volume),
    }));
    for (const { volume, ours, seed } of costsByVolume) {
      if (ours >= seed) misses.push(`cost_per_1000_approvals_usd_at_${volume}_month = ${ours} (target < the original sample's ${seed})`);
    }
    const rows: Array<[string, string, string]> = [
      [
        'dispatch p50 / p99 (StartExecution to email stored)',
        `${results.dispatch_p50_ms} ms / ${results.dispatch_p99_ms} ms`,
        '<= 500 ms / <= 2,000 ms',
      ],
      [
        `drain of ${DRAIN_REQUESTS} (at ${configuredRate}/s)`,
        `${results.drain_seconds} s, ${results.drain_emails_per_s}/s, ratio ${results.drain_rate_ratio}`,
        'ratio >= 0.9',
      ],
      ['click p50 / p99 (link to execution closed)', `${results.click_p50_ms} ms / ${results.click_p99_ms} ms`, 'p50 <= 50 ms'],
      ['idle cost, ours / original sample', `$${results.idle_cost_usd_month} / $${results.seed_idle_cost_usd_month} a month`, '<= $0.10'],
      ['worker bundle', `${results.worker_bundle_bytes} bytes`, ''],
      ['AWS model dispatch p50 / p99', `${results.aws_model_dispatch_p50_ms} ms / ${results.aws_model_dispatch_p99_ms} ms`, ''],
      [
        `backlog of ${results.backlog_count} (at ${BACKLOG_SEND_RATE}/s, AWS latencies)`,
        `${results.backlog_seconds} s, ratio ${results.backlog_rate_ratio}, longest gap ${results.backlog_max_gap_s} s, ${results.backlog_hand_overs} hand-overs`,
        'ratio >= 0.9, gap <= 5 s',
      ],
      ['backlog lost / duplicated', `${results.backlog_lost} / ${results.backlog_duplicated}`, '0 / 0'],
      ['local stack peak RSS (backlog)', `${results.local_stack_peak_rss_mb} MB`, '<= 1024 MB'],
      [
        'state transitions of one approval: one approver / any of 2 / all of 2 / original sample',
        `${policyTransitions.oneApprover} / ${policyTransitions.anyOfTwo} / ${policyTransitions.allOfTwo} / ${SEED_APPROVAL_TRANSITIONS}`,
        '',
      ],
      ...costsByVolume.map(({ volume, ours, seed }): [string, string, string] => [
        `cost per 1,000 approvals at ${MONTHLY_VOLUMES[volume].toLocaleString('en-US')} a month, ours / original sample`,
        `$${ours} / $${seed}`,
        'ours lower',
      ]),
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    process.stdout.write(`\n${'measure'.padEnd(width)}  result  (target)\n`);
    for (const [name, value, target] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}${target ? `  (${target})` : ''}\n`);
    process.stdout.write(`\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
    if (misses.length > 0) {
      process.stderr.write(`Targets missed:\n${misses.map((miss) => `  ${miss}`).join('\n')}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('All targets met.\n');
    }
  } finally {
    sfn.destroy();
    await stack.close();
  }
}

main().catch((error: Error) => {
  // What was under way when a stop closed the stack fails; the stop has said what happened.
  if (stopping) return;
  process.stderr.write(`The benchmark failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});

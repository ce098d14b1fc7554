import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type LocalStack, startLocalStack } from '../local/stack/local-stack';
import { onlyResourceOfType, removeSynthesizedStack, synthesizeStack } from '../local/stack/synthesized-stack';
import { fetchStoredEmails } from '../local/ses/stored-emails';
import { linksOf, sfnClientFor, startApproval } from '../test/support/local-flow';
import { WORKER_ENV } from '../functions/approval-worker/config';
import { idleCost, PRICES } from './cost-model';

/**
 * `npm run bench`: dispatch latency, drain rate and click latency on the local stack at the
 * project's default settings, and the idle cost and bundle size from the synthesized template.
 * Prints a table and writes bench/results/latest.json. Targets are checked at the end.
 */

const DISPATCH_REQUESTS = 200;
const DRAIN_REQUESTS = 500;
const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

const TARGETS = {
  dispatch_p50_ms: { max: 500 },
  dispatch_p99_ms: { max: 2_000 },
  drain_rate_ratio: { min: 0.9 },
  click_p50_ms: { max: 50 },
  idle_cost_usd_month: { max: 0.1 },
} as const;

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
  return linksOf(email).approve;
}

const start = (sfn: SFNClient, stack: LocalStack, manager: string, name: string): Promise<string> =>
  startApproval(sfn, stack, { managerEmailAddress: manager, employeeName: name });

/** One request at a time: StartExecution to email stored, then link request to execution closed. */
async function measureDispatchAndClick(stack: LocalStack, sfn: SFNClient): Promise<{ dispatch: number[]; click: number[] }> {
  const dispatch: number[] = [];
  const click: number[] = [];
  const closedAt = new Map<string, number>();
  stack.stepFunctions.engine.on('executionClosed', ({ executionArn }) =>
    closedAt.set(executionArn, performance.timeOrigin + performance.now()),
  );
  for (let i = 0; i < DISPATCH_REQUESTS; i++) {
    const manager = `dispatch-${i}@example.com`;
    const startedAt = Date.now();
    const executionArn = await start(sfn, stack, manager, `Dispatch ${i}`);
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
  return { dispatch, click };
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

function workerBundleBytes(): number {
  const synthesized = synthesizeStack({}, { bundle: true });
  try {
    const [, fn] = onlyResourceOfType(synthesized.template, 'AWS::Lambda::Function');
    const key = (fn.Code as { S3Key?: string }).S3Key ?? '';
    const bundle = path.join(synthesized.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
    return fs.statSync(bundle).size;
  } finally {
    removeSynthesizedStack(synthesized);
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  log('Synthesizing: idle cost and bundle size...');
  const ours = synthesizeStack();
  const originalShape = synthesizeStack({ workerScheduleMinutes: 1 });
  const oursIdle = idleCost(ours.template);
  // The original sample's worker: a run every minute that takes one task, polling for 60 s at 128 MB
  // on x86_64, with no slot table. The results file calls it "seed" (its keys stay as they are).
  const originalIdle = idleCost(originalShape.template, { architecture: 'x86_64', slots: false });
  // The stack's maxSendRate: each instance's share times the number of worker slots.
  const [, worker] = onlyResourceOfType(ours.template, 'AWS::Lambda::Function');
  const variables = (worker.Environment as { Variables: Record<string, string> }).Variables;
  const configuredRate = Number(variables[WORKER_ENV.maxSendRate]) * Number(variables[WORKER_ENV.slotCount] ?? 1);
  removeSynthesizedStack(ours);
  removeSynthesizedStack(originalShape);
  const bundleBytes = workerBundleBytes();

  log('Starting the local stack at the default settings...');
  const stack = await startLocalStack({ ports: { api: 0, ses: 0, stepFunctions: 0 } });
  const sfn = sfnClientFor(stack);
  try {
    log(`Dispatch and click: ${DISPATCH_REQUESTS} requests, one at a time...`);
    const { dispatch, click } = await measureDispatchAndClick(stack, sfn);
    log(`Drain: ${DRAIN_REQUESTS} requests at once, at ${configuredRate} emails/s...`);
    const drain = await measureDrain(stack, sfn);

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
  process.stderr.write(`The benchmark failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});

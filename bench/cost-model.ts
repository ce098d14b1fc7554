import { WORKER_ENV } from '../functions/approval-worker/config';
import { type CloudFormationTemplate, onlyResourceOfType, scheduleRateMs } from 'stepfunctions-human-approval-local';

/** us-east-1 list prices (AWS Lambda and Amazon DynamoDB pricing pages): the same table for every cost this benchmark reports. */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** DynamoDB on-demand, per million write request units (Amazon DynamoDB pricing, on-demand, us-east-1). */
  dynamodbPerMillionWrites: 0.625,
} as const;

/** A run takes a worker slot and gives it back: two writes of a small item. */
export const SLOT_WRITES_PER_RUN = 2;

/** Minutes in the 30-day month the cost model uses. */
export const MINUTES_PER_MONTH = 30 * 24 * 60;
/** An idle run is one empty GetActivityTask poll, which Step Functions holds for 60 s. */
export const IDLE_RUN_SECONDS = 60;

export interface IdleCost {
  readonly runsPerMonth: number;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly gbSecondsPerMonth: number;
  readonly slotWritesPerMonth: number;
  readonly usdPerMonth: number;
}

/**
 * What the worker costs a month with no approval at all: every scheduled run holds one empty poll.
 * and takes and gives back a worker slot (two DynamoDB writes). Step Functions polls, API Gateway,
 * SES and the pay-per-request table cost nothing while idle.
 */
export function idleCost(
  template: CloudFormationTemplate,
  override: { architecture?: 'arm64' | 'x86_64'; slots?: boolean } = {},
): IdleCost {
  const [, fn] = onlyResourceOfType(template, 'AWS::Lambda::Function');
  const [, rule] = onlyResourceOfType(template, 'AWS::Events::Rule');
  const memoryMb = Number(fn.MemorySize ?? 128);
  const templateArchitecture = (fn.Architectures as string[] | undefined)?.[0] === 'arm64' ? 'arm64' : 'x86_64';
  const architecture = override.architecture ?? templateArchitecture;
  const runsPerMonth = MINUTES_PER_MONTH / (scheduleRateMs(String(rule.ScheduleExpression)) / 60_000);
  const gbSecondsPerMonth = runsPerMonth * IDLE_RUN_SECONDS * (memoryMb / 1024);
  const usesSlots =
    override.slots ??
    (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[WORKER_ENV.slotsTable] !== undefined;
  const slotWritesPerMonth = usesSlots ? runsPerMonth * SLOT_WRITES_PER_RUN : 0;
  const usdPerMonth =
    gbSecondsPerMonth * PRICES.lambdaPerGbSecond[architecture] +
    (runsPerMonth / 1_000_000) * PRICES.lambdaPerMillionRequests +
    (slotWritesPerMonth / 1_000_000) * PRICES.dynamodbPerMillionWrites;
  return { runsPerMonth, memoryMb, architecture, gbSecondsPerMonth, slotWritesPerMonth, usdPerMonth };
}

/** More list prices for what an approval uses (Step Functions, SES, API Gateway pricing pages, us-east-1). */
export const APPROVAL_PRICES = {
  stepFunctionsPerStateTransition: 0.000025,
  sesPerEmail: 0.0001,
  apiGatewayRestPerRequest: 3.5 / 1_000_000,
} as const;

/** The month's volume the per-approval cost is spread over by default: the fixed (idle) cost is shared by this many approvals. */
export const APPROVALS_PER_MONTH = 1_000;

/** The volumes the benchmark reports the cost per 1,000 approvals at: a small team, a department, a large company. */
export const MONTHLY_VOLUMES = { '1k': 1_000, '10k': 10_000, '100k': 100_000 } as const;

export interface ApprovalCostInputs {
  /** State transitions of one approved one-approver request, counted from a real execution's history. */
  readonly stateTransitions: number;
  /** Lambda invocations an approval causes, and their GB-seconds. */
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly slotWrites: number;
  /** The worker's cost a month with no approval at all. */
  readonly idleUsdPerMonth: number;
}

export interface ApprovalCost extends ApprovalCostInputs {
  readonly marginalUsd: number;
  /** The month's volume the idle cost is spread over. */
  readonly approvalsPerMonth: number;
  /** Per 1,000 approvals, at `approvalsPerMonth` a month: 1,000 marginal costs plus that share of the idle cost. */
  readonly usdPer1000Approvals: number;
}

/**
 * What 1,000 approvals cost: each adds its state transitions, Lambda invocations and time, slot
 * writes, one email and one API request; the month's idle cost is spread over the month's approvals.
 */
export function approvalCost(inputs: ApprovalCostInputs, approvalsPerMonth: number = APPROVALS_PER_MONTH): ApprovalCost {
  const marginalUsd =
    inputs.stateTransitions * APPROVAL_PRICES.stepFunctionsPerStateTransition +
    (inputs.lambdaInvocations / 1_000_000) * PRICES.lambdaPerMillionRequests +
    inputs.lambdaGbSeconds * PRICES.lambdaPerGbSecond[inputs.architecture] +
    (inputs.slotWrites / 1_000_000) * PRICES.dynamodbPerMillionWrites +
    APPROVAL_PRICES.sesPerEmail +
    APPROVAL_PRICES.apiGatewayRestPerRequest;
  const usdPer1000Approvals = 1_000 * marginalUsd + inputs.idleUsdPerMonth * (1_000 / approvalsPerMonth);
  return { ...inputs, marginalUsd, approvalsPerMonth, usdPer1000Approvals };
}

/**
 * The original sample's state machine per approval: the activity Task, its decision Choice, and the
 * end state (3 transitions; it had no check, wake-up or Map). Its worker ran every minute anyway, so
 * an approval added no Lambda time of its own.
 */
export const SEED_APPROVAL_TRANSITIONS = 3;

/**
 * Ours per approval, besides what the history counts: the synchronous request check (a short run,
 * about 20 ms billed) and one wake-up run that sends the email and then holds one empty 60-second
 * poll before it stops, with its slot taken and given back (two writes).
 */
export function oursLambdaPerApproval(memoryMb: number): { invocations: number; gbSeconds: number; slotWrites: number } {
  const gb = memoryMb / 1024;
  return { invocations: 2, gbSeconds: 0.02 * gb + (IDLE_RUN_SECONDS + 0.2) * gb, slotWrites: SLOT_WRITES_PER_RUN };
}

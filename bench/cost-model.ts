import { WORKER_ENV } from '../functions/approval-worker/config';
import { scheduleRateMs } from '../local/stack/worker-from-template';
import { type CloudFormationTemplate, onlyResourceOfType } from '../local/stack/synthesized-stack';

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

import { scheduleRateMs } from '../local/local-stack';
import { type CloudFormationTemplate, onlyResourceOfType } from '../local/synthesized-stack';

/** us-east-1 list prices (see shared FACTS): the same table for every cost this benchmark reports. */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
} as const;

/** Minutes in the 30-day month the cost model uses. */
export const MINUTES_PER_MONTH = 30 * 24 * 60;
/** An idle run is one empty GetActivityTask poll, which Step Functions holds for 60 s. */
export const IDLE_RUN_SECONDS = 60;

export interface IdleCost {
  readonly runsPerMonth: number;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly gbSecondsPerMonth: number;
  readonly usdPerMonth: number;
}

/**
 * What the worker costs a month with no approval at all: every scheduled run holds one empty poll.
 * Step Functions polls, API Gateway and SES cost nothing while idle.
 */
export function idleCost(template: CloudFormationTemplate, override: { architecture?: 'arm64' | 'x86_64' } = {}): IdleCost {
  const [, fn] = onlyResourceOfType(template, 'AWS::Lambda::Function');
  const [, rule] = onlyResourceOfType(template, 'AWS::Events::Rule');
  const memoryMb = Number(fn.MemorySize ?? 128);
  const templateArchitecture = (fn.Architectures as string[] | undefined)?.[0] === 'arm64' ? 'arm64' : 'x86_64';
  const architecture = override.architecture ?? templateArchitecture;
  const runsPerMonth = MINUTES_PER_MONTH / (scheduleRateMs(String(rule.ScheduleExpression)) / 60_000);
  const gbSecondsPerMonth = runsPerMonth * IDLE_RUN_SECONDS * (memoryMb / 1024);
  const usdPerMonth = gbSecondsPerMonth * PRICES.lambdaPerGbSecond[architecture] + (runsPerMonth / 1_000_000) * PRICES.lambdaPerMillionRequests;
  return { runsPerMonth, memoryMb, architecture, gbSecondsPerMonth, usdPerMonth };
}

/** `problem` blocks a deploy or the first email; `warn` may surprise; `skip` could not or need not be checked. */
export type CheckStatus = 'ok' | 'warn' | 'problem' | 'skip';

/** The checks, in the order `approval doctor` runs and prints them. */
export const CHECK_LABELS = {
  credentials: 'credentials',
  region: 'region',
  settings: 'settings',
  'cdk-bootstrap': 'cdk bootstrap',
  'sender-identity': 'sender identity',
  'ses-account': 'SES account',
  'lambda-concurrency': 'Lambda concurrency',
  'api-gateway-logging-role': 'API Gateway role',
  'deployed-stack': 'deployed stack',
  'worker-health': 'worker health',
  slack: 'Slack app',
} as const;

export type CheckId = keyof typeof CHECK_LABELS;

export interface CheckResult {
  readonly id: CheckId;
  readonly status: CheckStatus;
  /** What was found, one sentence. */
  readonly summary: string;
  /** What to do about it; absent when nothing needs doing. */
  readonly fix?: string;
}

/** One thing a check found; a check with several findings reports the worst. */
export interface Finding {
  readonly status: CheckStatus;
  readonly summary: string;
  readonly fix?: string;
}

const SEVERITY: Readonly<Record<CheckStatus, number>> = { skip: 0, ok: 1, warn: 2, problem: 3 };

export function result(id: CheckId, finding: Finding): CheckResult {
  return { id, status: finding.status, summary: finding.summary, ...(finding.fix === undefined ? {} : { fix: finding.fix }) };
}

/**
 * Folds several findings into one line: the worst status first, so the summary opens with what
 * matters; ok findings are left out once something is wrong, they would only add noise.
 */
export function combine(id: CheckId, findings: readonly Finding[]): CheckResult {
  const sorted = [...findings].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status]);
  const worst = sorted[0]?.status ?? 'ok';
  const shown = worst === 'ok' ? sorted : sorted.filter((finding) => finding.status !== 'ok');
  // Fixes are sentences starting lower-case, after "fix: "; joined as clauses of one sentence.
  const fixes = shown.flatMap((finding) => (finding.fix === undefined ? [] : [finding.fix.replace(/\.$/, '')]));
  return result(id, {
    status: worst,
    summary: shown.map((finding) => finding.summary).join('; '),
    ...(fixes.length > 0 ? { fix: `${fixes.join('; ')}.` } : {}),
  });
}

interface AwsErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

function fields(error: unknown): AwsErrorFields {
  return typeof error === 'object' && error !== null ? error : {};
}

export function errorName(error: unknown): string {
  const { name } = fields(error);
  return typeof name === 'string' ? name : 'Error';
}

/** `Name: message`, on one line: AWS messages can be long, but they name the resource that failed. */
export function describeError(error: unknown): string {
  const { message } = fields(error);
  const text = typeof message === 'string' ? message : String(error);
  return `${errorName(error)}: ${text.replace(/\s+/g, ' ').trim()}`;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
]);

export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED.has(errorName(error)) || fields(error).$metadata?.httpStatusCode === 403;
}

/** Node's socket errors (ENOTFOUND, ECONNREFUSED, ETIMEDOUT...): AWS was never reached. */
export function isNetworkError(error: unknown): boolean {
  const { code } = fields(error);
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * The DNS name `host` does not resolve (Node's getaddrinfo ENOTFOUND, with the name in `hostname`
 * or in the message): the endpoint does not exist, or this machine cannot resolve names at all.
 */
export function isHostNotFound(error: unknown, host: string): boolean {
  const { code, message } = fields(error);
  const hostname = (fields(error) as { readonly hostname?: unknown }).hostname;
  return code === 'ENOTFOUND' && (hostname === host || (typeof message === 'string' && message.includes(host)));
}

export function isNamed(error: unknown, ...names: readonly string[]): boolean {
  return names.includes(errorName(error));
}

/**
 * A call that failed for a reason the check does not handle. The doctor could not tell, which is
 * not the same as a broken deploy, so it warns; a missing permission names the action to allow.
 */
export function couldNotCheck(action: string, error: unknown): Finding {
  if (isAccessDenied(error)) {
    return {
      status: 'warn',
      summary: `could not check: the caller may not call ${action} (${describeError(error)})`,
      fix: `allow ${action} to the identity you run the doctor with (README, "approval doctor", lists the read-only actions).`,
    };
  }
  return { status: 'warn', summary: `could not check: ${action} failed (${describeError(error)})` };
}

/**
 * Runs a check and turns anything it throws into its result, so one failing call never stops the
 * others. Checks catch their own AWS errors, naming the action; this is the last resort.
 */
export async function settle(id: CheckId, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    return result(id, { status: 'warn', summary: `could not check (${describeError(error)})` });
  }
}

export function skipped(id: CheckId, reason: string): CheckResult {
  return { id, status: 'skip', summary: reason };
}

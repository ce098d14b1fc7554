import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApprovalConfig, ApprovalConfigError, readApprovalConfig } from '../../infra/approval-config';
import { UsageError } from '../cli-errors';

/** The qualifier `cdk bootstrap` uses unless cdk.json names another. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** What the doctor checks the account against: the settings a `cdk deploy` from here would use. */
export interface DoctorSettings {
  readonly config: ApprovalConfig;
  /** Qualifier of the bootstrap stack, from `@aws-cdk/core:bootstrapQualifier`. */
  readonly bootstrapQualifier: string;
}

export type LoadedSettings = { readonly ok: true; readonly settings: DoctorSettings } | { readonly ok: false; readonly message: string };

/** `-c name=value` pairs, as `cdk deploy -c` takes them: the value stays a string, as cdk passes it. */
export function parseContextOverrides(pairs: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([^=]+)=(.*)$/s.exec(pair);
    if (!match?.[1]) throw new UsageError(`-c wants name=value, such as -c maxSendRate=1, not "${pair}".`, 'doctor');
    overrides[match[1]] = match[2] ?? '';
  }
  return overrides;
}

/** The settings with nothing set: the defaults of APPROVAL_SETTINGS, as `readApprovalConfig` reads them. */
export function defaultApprovalConfig(): ApprovalConfig {
  return readApprovalConfig(() => undefined);
}

function projectContext(cdkJsonPath: string): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * Reads cdk.json's context with the overrides on top, through the same `readApprovalConfig` that
 * `cdk synth` runs, so a value synth would refuse is reported here with synth's own message.
 */
export function loadDoctorSettings(
  overrides: Readonly<Record<string, unknown>>,
  cdkJsonPath = join(process.cwd(), 'cdk.json'),
): LoadedSettings {
  let context: Record<string, unknown>;
  try {
    context = { ...projectContext(cdkJsonPath), ...overrides };
  } catch (error) {
    return { ok: false, message: `cannot read ${cdkJsonPath}: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    const config = readApprovalConfig((key) => context[key]);
    const qualifier = context['@aws-cdk/core:bootstrapQualifier'];
    return {
      ok: true,
      settings: { config, bootstrapQualifier: typeof qualifier === 'string' && qualifier !== '' ? qualifier : DEFAULT_BOOTSTRAP_QUALIFIER },
    };
  } catch (error) {
    if (error instanceof ApprovalConfigError) return { ok: false, message: error.message };
    throw error;
  }
}

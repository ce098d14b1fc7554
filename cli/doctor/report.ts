import { printable } from '../format';
import { CHECK_LABELS, type CheckResult } from './check-result';

/** Everything one `approval doctor` run found, in check order. */
export interface DoctorReport {
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly stackName: string;
  readonly checks: readonly CheckResult[];
}

export function hasProblems(report: DoctorReport): boolean {
  return report.checks.some((check) => check.status === 'problem');
}

/** `--json`: the shape scripts and CI read. */
export function reportJson(report: DoctorReport): string {
  return JSON.stringify({ ok: !hasProblems(report), region: report.region ?? null, checks: report.checks }, null, 2);
}

const STATUS_WIDTH = 'problem'.length + 2;
const LABEL_WIDTH = Math.max(...Object.values(CHECK_LABELS).map((label) => label.length)) + 2;

/** One line per check, its fix on the line below; AWS messages are shown escaped, like execution input. */
export function formatReport(report: DoctorReport): string[] {
  const header = `approval doctor — account ${report.account ?? 'unknown'}, region ${report.region ?? 'none'}, stack ${report.stackName}`;
  const lines = [header];
  for (const check of report.checks) {
    lines.push(`  ${check.status.padEnd(STATUS_WIDTH)}${CHECK_LABELS[check.id].padEnd(LABEL_WIDTH)}${printable(check.summary)}`);
    if (check.fix !== undefined) lines.push(`${' '.repeat(2 + STATUS_WIDTH)}fix: ${printable(check.fix)}`);
  }
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The closing line: what the user should do next. */
export function verdict(report: DoctorReport): string {
  const problems = report.checks.filter((check) => check.status === 'problem').length;
  const warnings = report.checks.filter((check) => check.status === 'warn').length;
  const skips = report.checks.filter((check) => check.status === 'skip').length;
  if (problems > 0)
    return `${count(problems, 'problem')}${warnings > 0 ? `, ${count(warnings, 'warning')}` : ''}: fix the problems before \`npm run deploy\`.`;
  const skipped = skips > 0 ? ` (${count(skips, 'check')} skipped)` : '';
  if (warnings > 0) return `No problems, ${count(warnings, 'warning')}${skipped}: nothing blocks a deploy, but read the warnings.`;
  return `No problems${skipped}: nothing blocks a deploy.`;
}

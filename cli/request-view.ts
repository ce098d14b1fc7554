import { type ApprovalPolicy, DEFAULT_POLICY, requestForm, seedSubject } from '../functions/commons/approval-request';
import { isRecord } from './json-values';

export type { ApprovalPolicy } from '../functions/commons/approval-request';

/**
 * The execution input as `status --json` shows it. The seed form keeps today's two fields; the
 * general form shows its own. A field of the wrong type is null: such an input failed as
 * InvalidRequest, and the view still says which field was wrong.
 */
export interface ApprovalRequestView {
  /** Seed form: present when the input has no `approvers` / `subject`, or has either seed field. */
  readonly managerEmailAddress?: string | null;
  readonly employeeName?: string | null;
  /** General form: present when the input has `approvers` or `subject`. */
  readonly approvers?: readonly string[] | null;
  readonly subject?: string | null;
  /** Only when the input has them. */
  readonly policy?: string | null;
  readonly details?: Readonly<Record<string, string>> | null;
  readonly requester?: string | null;
  /** The channels asked for, e.g. `["slack", "email"]`; without it, email only. */
  readonly via?: readonly string[] | null;
}

/** The request, and what it asks for in the terms both forms share. */
export interface ParsedRequest {
  readonly request: ApprovalRequestView;
  /** The policy the state machine applies: `any` unless the input says `all`; null when the input's policy is neither. */
  readonly policy: ApprovalPolicy | null;
  /** The general form's subject, or the seed form's "Approval needed for <employee>". */
  readonly subject: string | null;
  /** Whom the request asks, in the input's order; empty when the input names nobody usable. */
  readonly approvers: readonly string[];
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;
}

function stringRecord(value: unknown): Record<string, string> | null {
  if (!isRecord(value)) return null;
  const entries = Object.entries(value);
  return entries.every(([, item]) => typeof item === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : null;
}

function policyOf(value: unknown): ApprovalPolicy | null {
  if (value === undefined) return DEFAULT_POLICY;
  return value === 'any' || value === 'all' ? value : null;
}

/** Reads an execution input of either form (the README's "Requests and policies"). */
export function parseRequest(input: unknown): ParsedRequest {
  const fields = isRecord(input) ? input : {};
  // The form as the state machine's check decides it; an input of neither form shows as the seed's.
  const form = requestForm(fields);
  const general = form === 'general' || form === 'both';
  const seed = form !== 'general';

  const managerEmailAddress = stringOrNull(fields.managerEmailAddress);
  const employeeName = stringOrNull(fields.employeeName);
  const approvers = stringList(fields.approvers);
  const subject = stringOrNull(fields.subject);
  const request: ApprovalRequestView = {
    ...(seed ? { managerEmailAddress, employeeName } : {}),
    ...(general ? { approvers, subject } : {}),
    ...(general && 'policy' in fields ? { policy: stringOrNull(fields.policy) } : {}),
    ...(general && 'details' in fields ? { details: stringRecord(fields.details) } : {}),
    ...(general && 'requester' in fields ? { requester: stringOrNull(fields.requester) } : {}),
    ...(general && 'via' in fields ? { via: stringList(fields.via) } : {}),
  };

  if (general) return { request, policy: policyOf(fields.policy), subject, approvers: approvers ?? [] };
  return {
    request,
    policy: DEFAULT_POLICY,
    subject: employeeName === null ? null : seedSubject(employeeName),
    approvers: managerEmailAddress === null ? [] : [managerEmailAddress],
  };
}

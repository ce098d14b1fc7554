import { type ApprovalTask, MAX_SUBJECT_LENGTH, type NormalizedApprovalRequest } from './approval-request';
import type { DecisionLinks } from './decision-links';
import { escapeHtml } from './html';
import { expiresAt, isLastAttempt, linksValidUntil, reminderLabel } from './reminders';
import { firstCharacters, withoutHiddenCharacters } from './text-checks';

export interface ApprovalEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface ApprovalEmailInput {
  readonly task: ApprovalTask;
  readonly links: DecisionLinks;
  /** When the worker took the task: the reminder clock starts then. */
  readonly now: Date;
}

/** Whitespace of any kind, line breaks included, becomes one space: a subject is one line. */
function oneLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "Reminder 2 of 3" for the third email; undefined for the first. */
function reminderTitle(task: ApprovalTask): string | undefined {
  const label = reminderLabel(task.attempt, task.reminderCount);
  return label === undefined ? undefined : `${label.charAt(0).toUpperCase()}${label.slice(1)}`;
}

/** What both emails say about reminders and how long the links work. */
function timingLines(task: ApprovalTask, now: Date): { readonly reminderLine: string; readonly validityLine: string } {
  const label = reminderLabel(task.attempt, task.reminderCount);
  const validUntil = linksValidUntil(now, task);

  const reminderLine = label === undefined ? '' : `This is ${label}. Links in earlier emails no longer work; use the ones below.`;
  const validityLine = isLastAttempt(task.attempt, task.reminderCount)
    ? `These links work until about ${formatUtc(validUntil)}. After that the request expires and is not approved.`
    : `These links work until about ${formatUtc(validUntil)}; if nobody answers by then, a reminder follows. The request expires at about ${formatUtc(expiresAt(now, task))}.`;
  return { reminderLine, validityLine };
}

const e = escapeHtml;

function button(href: string, label: string, colour: string): string {
  return (
    `<a href="${e(href)}" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;` +
    `background:${colour};color:white;font-weight:bold;text-decoration:none">${label}</a>`
  );
}

function htmlHead(subject: string): string {
  return '<html lang="en"><head><meta charset="utf-8"><title>' + e(subject) + '</title></head>';
}
const WRAPPER_OPEN =
  '<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:rgb(32,33,36);max-width:36em">';
const DO_NOT_FORWARD = 'Anyone with these links can answer the request: do not forward this email.';

/** What every email's HTML ends with: the reminder line, the two buttons, validity, the warning, the request name. */
function htmlDecisionPart(reminderLine: string, links: DecisionLinks, validityLine: string, executionName: string): string[] {
  return [
    reminderLine ? `<p><strong>${e(reminderLine)}</strong></p>` : '',
    '<p>',
    button(links.approveUrl, 'Approve', 'rgb(24,128,56)'),
    button(links.rejectUrl, 'Reject', 'rgb(197,34,31)'),
    '</p>',
    `<p>${e(validityLine)}</p>`,
    `<p style="color:rgb(95,99,104);font-size:90%">${DO_NOT_FORWARD}`,
    `<br>Request: ${e(executionName)}</p>`,
    '</div>',
    '</body></html>',
  ];
}

/**
 * The email an approver receives: for a seed request exactly the seed's email, otherwise one that
 * shows the request's subject, details, requester and policy.
 */
export function renderApprovalEmail(input: ApprovalEmailInput): ApprovalEmail {
  const task = shownTask(input.task);
  const { employeeName } = task.request;
  return employeeName === undefined ? renderGeneralEmail({ ...input, task }) : renderSeedEmail({ ...input, task }, employeeName);
}

/**
 * The task with its text as the email shows it: without bidirectional controls or hidden format
 * characters. The request check refuses them, but a task can still carry some: the execution name
 * is whatever the caller of StartExecution chose, and a request accepted before a character was
 * refused keeps it for its reminders. Details are cleaned where they are listed: two keys that differ
 * only in hidden characters stay two rows.
 */
function shownTask(task: ApprovalTask): ApprovalTask {
  const { request } = task;
  return {
    ...task,
    executionName: withoutHiddenCharacters(task.executionName),
    request: {
      ...request,
      subject: withoutHiddenCharacters(request.subject),
      ...(request.requester === undefined ? {} : { requester: withoutHiddenCharacters(request.requester) }),
      ...(request.employeeName === undefined ? {} : { employeeName: withoutHiddenCharacters(request.employeeName) }),
    },
  };
}

/** How the decision is made, said only when there is more than one approver. */
function policyLine(request: NormalizedApprovalRequest): string | undefined {
  const count = request.approvers.length;
  if (count < 2) return undefined;
  return request.policy === 'all'
    ? `All ${count} approvers must approve; one rejection decides.`
    : `Any one of the ${count} approvers can decide.`;
}

/**
 * The general request's email. Every value that came from the execution input is escaped for
 * HTML; the subject is a single line of at most MAX_SUBJECT_LENGTH characters, as long as a request's
 * subject may be (a reminder's prefix is kept, and the end of the subject cut).
 */
function renderGeneralEmail({ task, links, now }: ApprovalEmailInput): ApprovalEmail {
  const { request } = task;
  const { reminderLine, validityLine } = timingLines(task, now);
  const title = reminderTitle(task);
  const prefixed = title === undefined ? request.subject : `${title}: ${request.subject}`;
  const subject = firstCharacters(oneLine(prefixed), MAX_SUBJECT_LENGTH);
  const details = Object.entries(request.details).map(
    ([key, value]) => [withoutHiddenCharacters(key), withoutHiddenCharacters(value)] as const,
  );
  const requestedBy = request.requester === undefined ? undefined : `Requested by ${request.requester}.`;
  const policy = policyLine(request);

  const sections: Array<readonly string[]> = [
    [`Your approval is requested: ${oneLine(request.subject)}`],
    details.map(([key, value]) => `${key}: ${value}`),
    [requestedBy, policy].filter((line) => line !== undefined),
    [reminderLine].filter((line) => line !== ''),
    [`Approve: ${links.approveUrl}`],
    [`Reject: ${links.rejectUrl}`],
    [validityLine, DO_NOT_FORWARD],
    [`Request: ${task.executionName}`],
  ];
  const text = sections
    .filter((section) => section.length > 0)
    .map((section) => section.join('\n'))
    .join('\n\n');

  const cell = 'padding:4px 0;vertical-align:top';
  const table = [
    '<table style="border-collapse:collapse;margin:0 0 16px">',
    ...details.map(
      ([key, value]) =>
        `<tr><th scope="row" style="${cell};padding-right:16px;text-align:left;font-weight:bold">${e(key)}</th>` +
        `<td style="${cell};overflow-wrap:anywhere">${e(value)}</td></tr>`,
    ),
    '</table>',
  ];
  const about = [
    requestedBy === undefined ? undefined : `Requested by <strong>${e(request.requester ?? '')}</strong>.`,
    policy === undefined ? undefined : e(policy),
  ].filter((line) => line !== undefined);

  const html = [
    '<!DOCTYPE html>',
    htmlHead(subject),
    '<body>',
    WRAPPER_OPEN,
    '<p>Your approval is requested:</p>',
    `<h1 style="font-size:1.25em;margin:0 0 16px">${e(oneLine(request.subject))}</h1>`,
    ...(details.length > 0 ? table : []),
    about.length > 0 ? `<p>${about.join('<br>')}</p>` : '',
    ...htmlDecisionPart(reminderLine, links, validityLine, task.executionName),
  ]
    .filter((line) => line !== '')
    .join('\n');

  return { subject, html, text };
}

/**
 * The seed's email, kept byte for byte (test/unit/approval-email.test.ts pins it): a manager is
 * asked about an employee. Every value that came from the execution input is escaped for HTML;
 * the subject is a single line.
 */
function renderSeedEmail({ task, links, now }: ApprovalEmailInput, name: string): ApprovalEmail {
  const { reminderLine, validityLine } = timingLines(task, now);
  const title = reminderTitle(task);

  const subjectPrefix = title === undefined ? 'Approval' : `${title}: approval`;
  const subject = firstCharacters(oneLine(`${subjectPrefix} needed for ${name}`), MAX_SUBJECT_LENGTH);

  const text = [
    `An approval is requested for ${name}.`,
    '',
    reminderLine,
    reminderLine ? '' : undefined,
    `Approve: ${links.approveUrl}`,
    '',
    `Reject: ${links.rejectUrl}`,
    '',
    validityLine,
    DO_NOT_FORWARD,
    '',
    `Request: ${task.executionName}`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');

  const html = [
    '<!DOCTYPE html>',
    htmlHead(subject),
    // Styles sit on a wrapper, not on <body>: many mail clients drop the body element's attributes.
    '<body>',
    WRAPPER_OPEN,
    `<p>An approval is requested for <strong>${e(name)}</strong>.</p>`,
    ...htmlDecisionPart(reminderLine, links, validityLine, task.executionName),
  ]
    .filter((line) => line !== '')
    .join('\n');

  return { subject, html, text };
}

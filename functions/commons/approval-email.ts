import type { ApprovalTask } from './approval-request';
import type { DecisionLinks } from './decision-links';
import { escapeHtml } from './html';

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

const MAX_SUBJECT_LENGTH = 200;

/** Whitespace of any kind, line breaks included, becomes one space: a subject is one line. */
function oneLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** 1-based reminder number, or 0 for the first email. */
function reminderNumber(task: ApprovalTask): number {
  return task.attempt - 1;
}

/**
 * The email a manager receives. Every value that came from the execution input is escaped for
 * HTML; the subject is a single line.
 */
export function renderApprovalEmail({ task, links, now }: ApprovalEmailInput): ApprovalEmail {
  const name = task.request.employeeName;
  const reminder = reminderNumber(task);
  const intervalMs = task.reminderIntervalSeconds * 1000;
  const linksValidUntil = new Date(now.getTime() + intervalMs);
  const attemptsLeft = Math.max(1, task.reminderCount + 2 - task.attempt);
  const expiresAt = new Date(now.getTime() + attemptsLeft * intervalMs);
  const isLastChance = attemptsLeft === 1;

  const subjectPrefix = reminder > 0 ? `Reminder ${reminder} of ${task.reminderCount}: approval` : 'Approval';
  const subject = oneLine(`${subjectPrefix} needed for ${name}`).slice(0, MAX_SUBJECT_LENGTH);

  const reminderLine =
    reminder > 0
      ? `This is reminder ${reminder} of ${task.reminderCount}. Links in earlier emails no longer work; use the ones below.`
      : '';
  const validityLine = isLastChance
    ? `These links work until about ${formatUtc(linksValidUntil)}. After that the request expires and is not approved.`
    : `These links work until about ${formatUtc(linksValidUntil)}; if nobody answers by then, a reminder follows. The request expires at about ${formatUtc(expiresAt)}.`;

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
    `Anyone with these links can answer the request: do not forward this email.`,
    '',
    `Request: ${task.executionName}`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');

  const e = escapeHtml;
  const button = (href: string, label: string, colour: string): string =>
    `<a href="${e(href)}" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;` +
    `background:${colour};color:white;font-weight:bold;text-decoration:none">${label}</a>`;

  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>' + e(subject) + '</title></head>',
    // Styles sit on a wrapper, not on <body>: many mail clients drop the body element's attributes.
    '<body>',
    '<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:rgb(32,33,36);max-width:36em">',
    `<p>An approval is requested for <strong>${e(name)}</strong>.</p>`,
    reminderLine ? `<p><strong>${e(reminderLine)}</strong></p>` : '',
    '<p>',
    button(links.approveUrl, 'Approve', 'rgb(24,128,56)'),
    button(links.rejectUrl, 'Reject', 'rgb(197,34,31)'),
    '</p>',
    `<p>${e(validityLine)}</p>`,
    '<p style="color:rgb(95,99,104);font-size:90%">Anyone with these links can answer the request: do not forward this email.',
    `<br>Request: ${e(task.executionName)}</p>`,
    '</div>',
    '</body></html>',
  ]
    .filter((line) => line !== '')
    .join('\n');

  return { subject, html, text };
}

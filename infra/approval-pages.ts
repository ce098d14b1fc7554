/**
 * The small HTML pages a person sees after clicking a link. They are served by API Gateway
 * integration and gateway responses, so they are static: no `$` or `#`, which VTL would read.
 */
export interface PageContent {
  readonly title: string;
  readonly message: string;
  /** Accent colour of the heading, as rgb(), since `#` would start a VTL directive. */
  readonly accent: string;
}

const GREEN = 'rgb(24,128,56)';
const RED = 'rgb(197,34,31)';
const GREY = 'rgb(95,99,104)';

export const Pages = {
  approved: { title: 'Approved', message: 'Thank you. Your approval has been recorded and the workflow goes on.', accent: GREEN },
  rejected: { title: 'Rejected', message: 'Thank you. Your rejection has been recorded and the workflow has been stopped.', accent: RED },
  noLongerOpen: {
    title: 'This request is no longer open',
    message:
      'It has already been decided, it has expired, or a newer reminder email replaced this link. Nothing was changed. If a decision is still needed, use the link in the most recent email.',
    accent: GREY,
  },
  invalidLink: {
    title: 'This link is not valid',
    message: 'The link is incomplete or damaged. Open it again from the email, without changing it.',
    accent: GREY,
  },
  busy: {
    title: 'Please try again',
    message: 'The service is busy right now. Nothing was changed; try the link again in a minute.',
    accent: GREY,
  },
  serverError: {
    title: 'Something went wrong',
    message: 'Your answer could not be recorded, and nothing was changed. Try the link again in a few minutes.',
    accent: GREY,
  },
} as const satisfies Record<string, PageContent>;

function page(title: string, body: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<meta name="robots" content="noindex"><title>${title}</title></head>`,
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:rgb(32,33,36);max-width:36em;margin:3em auto;padding:0 1em">',
    ...body,
    '</body></html>',
  ].join('\n');
}

function assertNoVtl(html: string, title: string): string {
  if (/[$#]/.test(html)) {
    throw new Error(`Page "${title}" contains $ or #, which API Gateway templates would interpret.`);
  }
  return html;
}

export function renderPage({ title, message, accent }: PageContent): string {
  return assertNoVtl(page(title, [`<h1 style="color:${accent}">${title}</h1>`, `<p>${message}</p>`]), title);
}

/**
 * The confirmation page of `confirm` link mode: nothing is decided until the button is pressed.
 * `tokenReference` is the VTL reference holding the HTML-escaped token, the only `$` allowed. The
 * page shows no request text: API Gateway renders it with nothing to read the request from but the
 * link, and whatever the link carried, its holder could change. It names the decision and points to
 * the email, which says what the request is.
 */
export function renderConfirmPage(
  decision: 'approved' | 'rejected',
  action: string,
  tokenReference: string,
  maxCommentLength: number,
): string {
  const approving = decision === 'approved';
  const title = approving ? 'Approve this request?' : 'Reject this request?';
  const verb = approving ? 'Approve' : 'Reject';
  const accent = approving ? GREEN : RED;
  const html = page(title, [
    `<h1 style="color:${accent}">${title}</h1>`,
    `<p>This page records your decision on the request described in the email you received. Check the request there: this page shows nothing about it.</p>`,
    `<p>Nothing has been decided yet. Press <strong>${verb}</strong> to ${approving ? 'approve' : 'reject'} that request, with a comment if you wish.</p>`,
    `<form method="post" action="${action}">`,
    `<input type="hidden" name="taskToken" value="TOKEN">`,
    `<p><label for="comment">Comment (optional)</label><br>`,
    `<textarea id="comment" name="comment" rows="3" maxlength="${maxCommentLength}" style="width:100%;font:inherit"></textarea></p>`,
    `<p><button type="submit" style="padding:12px 24px;border:0;border-radius:6px;background:${accent};color:white;font:inherit;font-weight:bold;cursor:pointer">${verb}</button></p>`,
    '</form>',
    `<p style="color:${GREY};font-size:90%">Opened by mistake? Close this page: nothing changes until the button is pressed.</p>`,
  ]);
  return assertNoVtl(html, title).replace('value="TOKEN"', `value="${tokenReference}"`);
}

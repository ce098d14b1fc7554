import { buildDecisionLinks } from '../../../functions/commons/decision-links';
import { alteredToken } from './click-scenario';
import { describe, parseJsonOrText, startRequest, takeTask, waitUntilClosed } from './executions';
import type { FetchedPage } from './open-link';
import { type ConfirmSummary, describeDecisionRecord, FORGED_SUBJECT, NO_TASK, NOT_REACHED, PROBE_COMMENT } from './summary';
import { type HeldOffDependencies, withWorkerHeldOff } from './worker-hold';

export interface ConfirmDependencies extends HeldOffDependencies {
  /** Opens a link, or submits a form to it. */
  readonly fetchPage: (url: string, form?: URLSearchParams) => Promise<FetchedPage>;
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

/** The confirmation form as a browser reads it: where it posts and the token it carries. */
function confirmationForm(page: FetchedPage, pageUrl: string): { action: string; taskToken: string } | undefined {
  const action = /<form method="post" action="([^"]+)">/.exec(page.body)?.[1];
  const token = /name="taskToken" value="([^"]*)"/.exec(page.body)?.[1];
  if (action === undefined || token === undefined) return undefined;
  return {
    action: new URL(action, pageUrl).toString(),
    taskToken: token.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => HTML_ENTITIES[entity] ?? entity),
  };
}

const CONFIRM_NOT_RUN = {
  page: NOT_REACHED,
  forgedSubject: NOT_REACHED,
  form: NOT_REACHED,
  alteredLink: NOT_REACHED,
  afterPages: NOT_REACHED,
  click: NOT_REACHED,
  execution: NOT_REACHED,
  record: NOT_REACHED,
  reopened: NOT_REACHED,
};

/**
 * Confirm link mode on its own stack: opening the Approve link (with a subject appended, as anyone
 * holding the link could) shows the confirmation page, which shows no request text; a damaged link
 * gets "not valid"; neither page decides anything. Then the page's form, posted as a browser does
 * with a comment, approves, and the comment lands in the decision record. About 10 s.
 */
export async function runConfirmScenario(deps: ConfirmDependencies): Promise<ConfirmSummary> {
  const { sfn, config } = deps;
  return withWorkerHeldOff<Omit<ConfirmSummary, 'workerHeldOff' | 'workerRestored' | 'stopped'>>(deps, CONFIRM_NOT_RUN, async (started) => {
    const request = await startRequest(sfn, config.stateMachineArn, 'confirm');
    started.push(request.executionArn);
    const task = await takeTask(sfn, config.activityArn, request.name);
    if (!task?.ownTask) return { ...CONFIRM_NOT_RUN, page: NO_TASK };

    const { approveUrl } = buildDecisionLinks(config.approvalApiUrl, task.taskToken);
    const forgedUrl = `${approveUrl}&subject=${encodeURIComponent(FORGED_SUBJECT)}`;
    const page = await deps.fetchPage(forgedUrl);
    const form = confirmationForm(page, forgedUrl);
    const alteredLink = await deps.fetchPage(buildDecisionLinks(config.approvalApiUrl, alteredToken(task.taskToken)).approveUrl);
    const afterPages = String((await describe(sfn, request.executionArn)).status);
    const seen = {
      ...CONFIRM_NOT_RUN,
      page: page.seen,
      forgedSubject: page.body.includes(FORGED_SUBJECT) ? 'shown' : 'absent',
      form:
        form === undefined
          ? 'no form on the page'
          : form.taskToken === task.taskToken
            ? "carries the link's token"
            : 'carries another token',
      alteredLink: alteredLink.seen,
      afterPages,
    };
    if (form === undefined) return seen;

    const click = await deps.fetchPage(form.action, new URLSearchParams({ taskToken: form.taskToken, comment: PROBE_COMMENT }));
    const execution = await waitUntilClosed(sfn, request.executionArn);
    const output = parseJsonOrText(execution.output) as { approval?: { decision?: unknown } } | undefined;
    const reopened = await deps.fetchPage(approveUrl);
    return {
      ...seen,
      click: click.seen,
      execution: String(execution.status),
      record: describeDecisionRecord(output?.approval?.decision, { comment: PROBE_COMMENT }),
      reopened: reopened.seen,
    };
  });
}

import { expect } from '@jest/globals';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { taskReference } from '../../functions/approval-worker/drain-activity-tasks';
import { SLACK_ACTION_ID, SLACK_ACTIONS_BLOCK_ID } from '../../functions/commons/slack-contract';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses/stored-emails';
import { DEFAULT_LOCAL_SLACK_SIGNING_SECRET, LOCAL_SLACK_TEAM_ID, localSlackUserId } from '../../local/slack/server';
import { approvalCli } from '../support/approval-cli';
import { approvalOutput, linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import {
  actInSlack,
  hasDecisionButtons,
  slackButtons,
  slackMessage,
  slackMessagesTo,
  slackSignedHeaders,
  slackStore,
  type StoredSlackMessage,
  waitForClosedSlackMessage,
  waitForSlackMessages,
} from '../support/local-slack-flow';
import { startResponseUrlRecorder } from '../support/response-url-recorder';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** What the Slack actions function posts when Step Functions says the task is closed (decision-messages.ts). */
const NO_LONGER_OPEN = 'This request is no longer open.';

/** Every task token a test saw, in a button's value or an email's link: the last test looks for them in the logs. */
const seenTokens = new Set<string>();

function rememberSlackTokens(messages: readonly StoredSlackMessage[]): void {
  for (const message of messages)
    for (const button of slackButtons(message.blocks)) if (button.value) seenTokens.add(button.value.taskToken);
}

function rememberEmailTokens(emails: readonly StoredEmail[]): void {
  for (const email of emails) {
    const token = new URL(linksOf(email).approve).searchParams.get('taskToken');
    if (token) seenTokens.add(token);
  }
}

/**
 * An address of a domain the local Slack has no member for (local/slack/web-api.ts, NO_SLACK_DOMAIN): its
 * users.lookupByEmail answers users_not_found, as Slack does (https://docs.slack.dev/reference/methods/users.lookupByEmail).
 */
function addressUnknownToSlack(label: string): string {
  return uniqueManager(label).replace(/@example\.com$/, '@no-slack.example.com');
}

describe('approvals in Slack on the local stack', () => {
  const local = useLocalStack();

  const statusOf = async (executionArn: string): Promise<string | undefined> =>
    (await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  const emailsTo = async (address: string): Promise<StoredEmail[]> =>
    (await fetchStoredEmails(local.stack.sesUrl)).filter((email) => email.destination.to.includes(address));

  it('approve: the approver gets one direct message with buttons, clicks Approve, and the execution SUCCEEDS with the Slack record', async () => {
    const approver = uniqueManager('slack-approve');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack'],
      subject: 'Release payments-api 2.4.1 to production',
      details: { Service: 'payments-api', Version: '2.4.1' },
      requester: 'jim.halpert@example.com',
    });

    const [message, ...more] = await waitForSlackMessages(local.stack, approver);
    rememberSlackTokens([message!]);
    const buttons = slackButtons(message!.blocks);
    const token = buttons[0]?.value?.taskToken ?? '';
    expect(more).toEqual([]);
    expect(message).toMatchObject({ user: localSlackUserId(approver), email: approver, replacements: [] });
    expect(message?.text).toBe('Approval requested: Release payments-api 2.4.1 to production');
    expect(buttons.map(({ actionId, label, blockId }) => [actionId, label, blockId])).toEqual([
      [SLACK_ACTION_ID.approve, 'Approve', SLACK_ACTIONS_BLOCK_ID],
      [SLACK_ACTION_ID.reject, 'Reject', SLACK_ACTIONS_BLOCK_ID],
    ]);
    for (const button of buttons) expect(button.value?.approverUserId).toBe(localSlackUserId(approver));
    expect(token.length).toBeGreaterThan(100);
    // The token travels in the buttons' values only: nowhere in what the approver reads.
    expect(message?.text).not.toContain(token);
    const visible = message!.blocks.filter((block) => block.type !== 'actions');
    expect(JSON.stringify(visible)).toContain('payments-api');
    expect(JSON.stringify(visible)).not.toContain(token);

    const clicked = await actInSlack(local.stack, { ts: message!.ts, action: 'approve', as: approver });
    const execution = await waitForEnd(local.sfn, executionArn);
    const after = await slackMessage(local.stack, message!.ts);

    expect(clicked.status).toBe(200);
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toEqual({
      decision: 'approved',
      decidedAt: expect.stringMatching(ISO_INSTANT),
      channel: 'slack',
      slackUserId: localSlackUserId(approver),
      slackTeamId: LOCAL_SLACK_TEAM_ID,
      approver,
    });
    expect(after.replacements).toHaveLength(1);
    expect(after.text).toMatch(new RegExp(`^Approved by <@${localSlackUserId(approver)}> at <!date\\^\\d+\\^`));
    expect(hasDecisionButtons(after)).toBe(false);
    // The request stays readable above the outcome.
    expect(JSON.stringify(after.blocks)).toContain('Release payments-api 2.4.1 to production');
    expect(await emailsTo(approver)).toEqual([]);
  });

  it('reject: the reason typed into the modal becomes the comment, the execution FAILS with Rejected, and the message shows it escaped', async () => {
    const approver = uniqueManager('slack-reject');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack'],
      subject: 'Pay invoice INV-2291 to Dunder Supplies',
      details: { Amount: '18,450.00 EUR' },
    });
    const [message] = await waitForSlackMessages(local.stack, approver);
    rememberSlackTokens([message!]);
    const reason = 'Numbers do not add up <b>&';

    const clicked = await actInSlack(local.stack, { ts: message!.ts, action: 'reject', as: approver, reason });
    const execution = await waitForEnd(local.sfn, executionArn);
    const after = await slackMessage(local.stack, message!.ts);
    const modals = (await slackStore(local.stack)).modals.filter((modal) => modal.email === approver);

    expect(clicked.status).toBe(200);
    expect(clicked.body.answers).toEqual([
      { type: 'block_actions', status: 200, body: '' },
      { type: 'view_submission', status: 200, body: '' },
    ]);
    expect(modals.map(({ callbackId, state }) => [callbackId, state])).toEqual([['approval_reject_reason', 'submitted']]);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse(execution.cause ?? '{}')).toEqual({
      decision: 'rejected',
      decidedAt: expect.stringMatching(ISO_INSTANT),
      channel: 'slack',
      slackUserId: localSlackUserId(approver),
      slackTeamId: LOCAL_SLACK_TEAM_ID,
      comment: reason,
      approver,
    });
    // Slack reads &, < and > as control characters, so the reason shows escaped, never as markup
    // (https://docs.slack.dev/messaging/formatting-message-text#escaping).
    expect(after.text).toMatch(
      new RegExp(`^Rejected by <@${localSlackUserId(approver)}> at <!date\\^.*: Numbers do not add up &lt;b&gt;&amp;$`),
    );
    expect(JSON.stringify(after.blocks)).not.toContain('<b>');
    expect(hasDecisionButtons(after)).toBe(false);
  });

  it("a click by someone else than the approver decides nothing and tells only them who can; the approver's click then decides", async () => {
    const approver = uniqueManager('slack-owner');
    const bystander = uniqueManager('slack-bystander');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack'],
      subject: 'Grant admin on billing to Ryan',
    });
    const [message] = await waitForSlackMessages(local.stack, approver);
    rememberSlackTokens([message!]);

    const foreign = await actInSlack(local.stack, { ts: message!.ts, action: 'approve', as: bystander });
    const store = await slackStore(local.stack);
    const stillOpen = await statusOf(executionArn);
    const untouched = await slackMessage(local.stack, message!.ts);

    expect(foreign.status).toBe(200);
    // An ephemeral response is shown to the clicking user only, and leaves the message as it is
    // (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
    expect(store.ephemerals.filter((note) => note.email === bystander).map((note) => [note.user, note.text])).toEqual([
      [localSlackUserId(bystander), `Only <@${localSlackUserId(approver)}> can decide this request.`],
    ]);
    expect(store.ephemerals.filter((note) => note.email === approver)).toEqual([]);
    expect(stillOpen).toBe('RUNNING');
    expect(untouched.replacements).toEqual([]);
    expect(hasDecisionButtons(untouched)).toBe(true);

    await actInSlack(local.stack, { ts: message!.ts, action: 'approve', as: approver });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({
      channel: 'slack',
      slackUserId: localSlackUserId(approver),
      approver,
    });
  });

  it('both channels: the approver gets an email and a message; approving by email decides, and the Slack message then shows the outcome, buttons gone', async () => {
    const approver = uniqueManager('slack-both');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack', 'email'],
      subject: 'Rotate the production database password',
    });
    const [email] = await waitForEmails(local.stack, approver);
    const [message] = await waitForSlackMessages(local.stack, approver);
    rememberEmailTokens([email!]);
    rememberSlackTokens([message!]);
    expect(email?.subject).toBe('Rotate the production database password');
    expect(hasDecisionButtons(message!)).toBe(true);

    const page = await open(linksOf(email!).approve);
    const execution = await waitForEnd(local.sfn, executionArn);
    // The request's end closes the message (functions/slack-message-closer): a late click is no longer offered.
    const after = await waitForClosedSlackMessage(local.stack, message!.ts);

    expect(page).toMatchObject({ status: 200, title: 'Approved' });
    expect(execution.status).toBe('SUCCEEDED');
    // The email's record, as the link's API writes it: no Slack fields.
    expect(approvalOutput(execution).approval.decision).toEqual({
      decision: 'approved',
      decidedAt: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      sourceIp: '127.0.0.1',
      userAgent: 'e2e-test-browser/1.0',
      requestId: expect.stringMatching(/^[A-Za-z0-9+/]{16}$/),
      approver,
    });
    // The email's record names the address, not a Slack user.
    expect(after.text).toMatch(new RegExp(`^Approved by ${approver.replace(/[.+]/g, '\\$&')} at `));
    expect(JSON.stringify(after.blocks)).toContain('Rotate the production database password');
    expect(after.replacements).toHaveLength(1);
  });

  it("policy any in Slack: the first approver's click decides, and the other's message then shows who approved, buttons gone", async () => {
    const ana = uniqueManager('slack-any-ana');
    const ben = uniqueManager('slack-any-ben');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      policy: 'any',
      via: ['slack'],
      subject: 'Refund order 7731 for 120 EUR',
    });
    const [toAna] = await waitForSlackMessages(local.stack, ana);
    const [toBen] = await waitForSlackMessages(local.stack, ben);
    rememberSlackTokens([toAna!, toBen!]);
    // Each approver's buttons carry a token and a user of their own.
    expect(slackButtons(toAna!.blocks)[0]?.value?.taskToken).not.toBe(slackButtons(toBen!.blocks)[0]?.value?.taskToken);
    expect(slackButtons(toBen!.blocks)[0]?.value?.approverUserId).toBe(localSlackUserId(ben));

    await actInSlack(local.stack, { ts: toAna!.ts, action: 'approve', as: ana });
    const execution = await waitForEnd(local.sfn, executionArn);
    const benAfter = await waitForClosedSlackMessage(local.stack, toBen!.ts);

    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval).toMatchObject({
      policy: 'any',
      approvers: [ana, ben],
      decision: { decision: 'approved', channel: 'slack', slackUserId: localSlackUserId(ana), approver: ana },
    });
    const status = await approvalCli(local.stack, 'status', '--local', '--stack-name', local.stack.stackName, executionArn);
    expect(status.stdout).toContain(`[in Slack as ${localSlackUserId(ana)}]`);
    expect(status.stdout).toContain(`[in Slack as ${localSlackUserId(ben)}]`);
    // Ben's message keeps the request and says who decided; nobody got a private note.
    expect(benAfter.text).toMatch(new RegExp(`^Approved by <@${localSlackUserId(ana)}> at `));
    expect(JSON.stringify(benAfter.blocks)).toContain('Refund order 7731 for 120 EUR');
    expect((await slackStore(local.stack)).ephemerals.filter((note) => note.email === ana || note.email === ben)).toEqual([]);
  });

  it('an approver Slack does not know is emailed instead, and the worker logs why', async () => {
    const approver = addressUnknownToSlack('slack-unknown');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack'],
      subject: 'Open the firewall for the audit VPN',
    });

    const [email] = await waitForEmails(local.stack, approver);
    rememberEmailTokens([email!]);
    const fallbackLines = local.logs.filter(
      (line) => line.startsWith('[worker]') && line.includes("Slack knows no user with the approver's email address"),
    );

    expect(email?.subject).toBe('Open the firewall for the audit VPN');
    expect(await slackMessagesTo(local.stack, approver)).toEqual([]);
    expect(fallbackLines).toHaveLength(1);
    expect(JSON.parse(fallbackLines[0]!.slice('[worker] '.length))).toMatchObject({
      level: 'WARN',
      message: "Slack knows no user with the approver's email address; emailing the approver instead",
      approver,
      slackError: 'users_not_found',
    });
    // `approval status` says how the approver was reached, from the table of Slack messages.
    const status = await approvalCli(local.stack, 'status', '--local', '--stack-name', local.stack.stackName, executionArn);
    expect(status.stderr).toBe('');
    expect(status.stdout).toContain('[emailed instead of Slack: Slack knows no user with this address]');
    // The emailed links decide as usual.
    expect(await open(linksOf(email!).approve)).toMatchObject({ status: 200, title: 'Approved' });
    expect((await waitForEnd(local.sfn, executionArn)).status).toBe('SUCCEEDED');
  });

  it('requests straight to /slack/actions: a forged or stale signature is refused, a signed one decides once, and its replay decides nothing', async () => {
    const approver = uniqueManager('slack-signed');
    const approverId = localSlackUserId(approver);
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack'],
      subject: 'Delete the staging cluster eu-west-1',
    });
    const [message] = await waitForSlackMessages(local.stack, approver);
    rememberSlackTokens([message!]);
    const approve = slackButtons(message!.blocks).find((button) => button.actionId === SLACK_ACTION_ID.approve);
    const recorder = await startResponseUrlRecorder();
    try {
      // A block_actions payload with the fields the function reads
      // (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload), form-encoded
      // in a `payload` field (https://docs.slack.dev/interactivity/handling-user-interaction).
      const payload = {
        type: 'block_actions',
        user: { id: approverId, username: approver.split('@')[0], team_id: LOCAL_SLACK_TEAM_ID },
        team: { id: LOCAL_SLACK_TEAM_ID, domain: 'local-approval' },
        api_app_id: 'A0LOCALAPP',
        container: { type: 'message', message_ts: message!.ts, channel_id: message!.channel, is_ephemeral: false },
        trigger_id: '1796690000.4829301847.6f1c2e9a8b7d4c3e2f1a0b9c8d7e6f5a',
        channel: { id: message!.channel, name: 'directmessage' },
        message: { type: 'message', text: message!.text, blocks: message!.blocks, ts: message!.ts },
        response_url: recorder.url,
        actions: [
          {
            type: 'button',
            action_id: approve?.actionId,
            block_id: approve?.blockId,
            value: approve?.rawValue,
            text: { type: 'plain_text', text: 'Approve' },
            action_ts: `${Math.floor(Date.now() / 1000)}.218734`,
          },
        ],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const send = (headers: Record<string, string>): Promise<Response> =>
        fetch(`${local.stack.apiUrl}/slack/actions`, { method: 'POST', headers: { 'user-agent': 'Slackbot 1.0', ...headers }, body });
      const now = (): number => Math.floor(Date.now() / 1000);

      const forged = await send(slackSignedHeaders('not-the-signing-secret', now(), body));
      // Slack's advice: refuse a timestamp more than five minutes away, against replays
      // (https://docs.slack.dev/authentication/verifying-requests-from-slack).
      const stale = await send(slackSignedHeaders(DEFAULT_LOCAL_SLACK_SIGNING_SECRET, now() - 6 * 60, body));
      const refusedState = await statusOf(executionArn);
      const signedHeaders = slackSignedHeaders(DEFAULT_LOCAL_SLACK_SIGNING_SECRET, now(), body);
      const signed = await send(signedHeaders);
      const execution = await waitForEnd(local.sfn, executionArn);
      const repliesBeforeReplay = recorder.received.length;
      const replayed = await send(signedHeaders);
      const afterReplay = await waitForEnd(local.sfn, executionArn);

      expect([forged.status, stale.status]).toEqual([401, 401]);
      expect(refusedState).toBe('RUNNING');
      expect(signed.status).toBe(200);
      expect(execution.status).toBe('SUCCEEDED');
      expect(approvalOutput(execution).approval.decision).toEqual({
        decision: 'approved',
        decidedAt: expect.stringMatching(ISO_INSTANT),
        channel: 'slack',
        slackUserId: approverId,
        slackTeamId: LOCAL_SLACK_TEAM_ID,
        approver,
      });
      expect(recorder.received[0]).toMatchObject({ replace_original: true, text: expect.stringMatching(`^Approved by <@${approverId}>`) });
      // The replay is within the five minutes, so its signature holds; the task is closed, so nothing
      // is decided again, and the outcome shown stays: the answer is a note to the clicking user only.
      expect(replayed.status).toBe(200);
      expect(afterReplay.output).toBe(execution.output);
      expect(recorder.received.slice(repliesBeforeReplay)).toEqual([
        { response_type: 'ephemeral', replace_original: false, text: NO_LONGER_OPEN },
      ]);
      const refusals = local.logs.filter((line) => line.includes('Refused a request that Slack did not sign'));
      expect(refusals.map((line) => (JSON.parse(line.slice(line.indexOf('{'))) as { reason: string }).reason)).toEqual(
        expect.arrayContaining(['bad-signature', 'stale-timestamp']),
      );
    } finally {
      await recorder.close();
    }
  });

  it('the CLI starts a request in Slack: `approval start --local --via slack` sends the approver a direct message', async () => {
    const approver = uniqueManager('slack-cli');

    const started = await approvalCli(
      local.stack,
      'start',
      '--local',
      '--json',
      '--via',
      'slack',
      '--approver',
      approver,
      '--subject',
      'Deploy release 43 of the checkout service',
    );
    const [message] = await waitForSlackMessages(local.stack, approver);
    rememberSlackTokens([message!]);

    expect(started.code).toBe(0);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    expect(message?.text).toBe('Approval requested: Deploy release 43 of the checkout service');
    expect(slackButtons(message!.blocks).map((button) => button.value?.approverUserId)).toEqual([
      localSlackUserId(approver),
      localSlackUserId(approver),
    ]);
    expect(await emailsTo(approver)).toEqual([]);
    await actInSlack(local.stack, { ts: message!.ts, action: 'approve', as: approver });
    expect(approvalOutput(await waitForEnd(local.sfn, executionArn)).approval.decision).toMatchObject({ channel: 'slack', approver });
  });

  it('no task token in any log line: neither from the buttons nor from the emails, plain, URL-encoded or by its start', async () => {
    // A request of its own through both channels, rejected in Slack, so that the scan has data of every path.
    const approver = uniqueManager('slack-logs');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [approver],
      via: ['slack', 'email'],
      subject: 'Merge the quarterly ledger',
    });
    const emails = await waitForEmails(local.stack, approver);
    const messages = await waitForSlackMessages(local.stack, approver);
    rememberEmailTokens(emails);
    rememberSlackTokens(messages);
    await actInSlack(local.stack, { ts: messages[0]!.ts, action: 'reject', as: approver, reason: 'The ledger is not closed yet.' });
    expect((await waitForEnd(local.sfn, executionArn)).error).toBe('Rejected');
    const tokens = [...seenTokens];
    const written = local.logs.join('\n');

    // Not vacuous: tokens were seen, and every component that handles them wrote lines.
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((token) => token.length > 100)).toBe(true);
    expect(local.logs.length).toBeGreaterThan(20);
    for (const component of ['[worker]', '[function]', '[slack]', '[api]']) expect(written).toContain(component);
    const forms = (token: string): string[] => {
      const encoded = encodeURIComponent(token);
      return [token, encoded, encodeURIComponent(encoded), JSON.stringify(token).slice(1, -1), token.slice(0, 32), encoded.slice(0, 32)];
    };
    const leaks = tokens.filter((token) => forms(token).some((form) => written.includes(form)));
    expect(leaks.map((token) => `taskRef ${taskReference(token)}`)).toEqual([]);
  });
});

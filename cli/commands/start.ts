import { parseArgs } from 'node:util';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  type ApprovalChannel,
  MAX_APPROVERS,
  MAX_DETAILS,
  MAX_EMPLOYEE_NAME_LENGTH,
  MAX_SUBJECT_LENGTH,
} from '../../functions/commons/approval-request';
import { characterProblems } from '../../functions/commons/text-checks';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { FORBIDDEN_NAME_CHARACTERS, MAX_NAME_LENGTH } from '../../statemachine/step-functions-limits';
import { COMMON_OPTIONS, parseCommandLine, refuseRepeatedOptions, STACK_OPTIONS } from '../arguments';
import { explainAwsFailure } from '../aws-failures';
import { UsageError } from '../cli-errors';
import { formatJson, printable } from '../format-values';
import { requestFromFile, type ByteSource, type RequestFromFile } from '../request-file';
import { type RequestFlags, requestFromFlags } from '../request-flags';
import { findStateMachineArn, localInboxUrl, regionOfArn, resolveTarget, sfnClientFor, targetFlag } from '../targets';
import { waitForOutcome } from '../wait-for-outcome';
import type { Command } from './command';
import { WAITING_HELP } from './wait';

const usage = `Usage: approval start --approver ADDRESS [--approver ADDRESS ...] --subject TEXT [options]
       approval start --manager-email ADDRESS --employee-name NAME [options]
       approval start --request FILE [options]

Starts an approval request: each approver gets an email with Approve and Reject links of their
own (or a Slack message with buttons, see --via). With --wait, waits for the decision and exits 0
only when approved.

A request (any workflow):
  --approver ADDRESS       who decides; repeat for several (up to ${MAX_APPROVERS} distinct addresses)
  --policy any|all         any (default): the first decision of any approver decides;
                           all: every approver must approve, the first rejection decides
  --subject TEXT           what is to be decided (up to ${MAX_SUBJECT_LENGTH} characters, one line)
  --detail KEY=VALUE       a line of the email's details table; repeat for more (up to ${MAX_DETAILS})
  --requester ADDRESS      who asks; must not be one of the approvers (no self-approval)
  --via email|slack        how approvers are reached: email (default), slack (a direct message
                           with buttons; needs the stack's Slack app, the slackSecretName
                           setting), or both with --via slack --via email

A request about an employee (one manager; the original email):
  --manager-email ADDRESS  where the email goes (one plain address)
  --employee-name NAME     who the request is for (at most ${MAX_EMPLOYEE_NAME_LENGTH} characters, one line)

A whole request, as the state machine takes it (either form, and fields no option sets):
  --request FILE           a JSON object, e.g. {"approvers": ["ana@example.com"], "subject": "..."};
                           - reads standard input. At most 256 KiB; sent unchanged; the key
                           "approval" is the state machine's own. Problems name its fields
                           (approvers[1], details.Release)

Use one form only. The state machine checks the request again and fails it as InvalidRequest,
naming every problem, if it breaks a rule (lengths, duplicates, characters).

Options:
  --wait                   wait for the outcome (see below); exit 0 approved, 3 rejected, 4 expired
  --name NAME              execution name (default: generated); the same name and input
                           while the request is open starts nothing new
  --local                  use the local stack started by \`npm start\`
  --stack-name NAME        stack to use (default: stackName in cdk.json, else ${DEFAULT_STACK_NAME})
  --region REGION          region of the deployed stack (default: the AWS SDK's)
  --json                   print {"executionArn", "startDate"} only; with --wait, only the final
                           JSON \`approval status --json\` prints
  -h, --help               show this help

${WAITING_HELP}

Examples:
  approval start --wait --approver ana@example.com --approver ben@example.com --policy all --subject "Deploy release 42" && ./deploy.sh
  approval start --approver ana@example.com --subject "Refund order 1234" --detail Amount=120.00 --detail Customer=C-981
  approval start --approver ana@example.com --subject "Deploy release 42" --via slack --via email
  approval start --manager-email manager@example.com --employee-name "Jim Smith"
  approval start --request release-42.json --wait`;

// parseArgs keeps the last of a repeated one-value option; for these that would drop a value silently.
const SINGLE_VALUED = ['policy', 'subject', 'requester', 'request'] as const;

/** The options that make up a request; --request gives the whole of it instead. */
const REQUEST_FLAGS = ['approver', 'policy', 'subject', 'detail', 'requester', 'via', 'manager-email', 'employee-name'] as const;

function executionNameProblem(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) return `--name must be 1 to ${MAX_NAME_LENGTH} characters long, not ${name.length}`;
  if (FORBIDDEN_NAME_CHARACTERS.test(name))
    return `--name "${printable(name)}" has characters Step Functions does not allow in a name (spaces, brackets, or any of ?*"#%\\^|~\`$&,;:/)`;
  // Step Functions allows bidirectional controls in a name, but the name is shown in the ARN, the
  // email and every listing: one that reads differently from what it is is refused like a subject.
  return characterProblems(`--name "${printable(name)}"`, name)[0];
}

/** What each approver gets, by the request's channels. */
function whatApproversGet(via: readonly ApprovalChannel[]): string {
  if (!via.includes('slack')) return 'an email with Approve / Reject links';
  // Someone Slack does not know by their address is emailed instead.
  const slack = 'a Slack message with Approve / Reject buttons';
  return via.includes('email') ? `${slack} and an email with links` : `${slack} (or an email when Slack does not know their address)`;
}

/** "ana@example.com", "ana@example.com and ben@example.com", "a, b and c". */
function joinAddresses(addresses: readonly string[]): string {
  if (addresses.length <= 1) return addresses.join('');
  return `${addresses.slice(0, -1).join(', ')} and ${addresses.at(-1) ?? ''}`;
}

/**
 * What `start` sends, from the options or from `--request FILE`, never both; or every problem found.
 * Nothing is read from the file when options of a request are given beside it.
 */
async function requestToStart(values: RequestFlags & { readonly request?: string }, stdin: ByteSource): Promise<RequestFromFile> {
  if (values.request === undefined) {
    const request = requestFromFlags(values);
    if (!request.valid) return request;
    const { input, approvers, via } = request;
    return { valid: true, inputText: JSON.stringify(input), approvers, via, seedForm: values['manager-email'] !== undefined };
  }
  const given = REQUEST_FLAGS.filter((flag) => values[flag] !== undefined);
  if (given.length > 0) {
    return {
      valid: false,
      problems: [`--request cannot be combined with ${given.map((flag) => `--${flag}`).join(', ')}: the file holds the whole request`],
    };
  }
  return requestFromFile(values.request, stdin);
}

export const startCommand: Command = {
  name: 'start',
  summary: 'ask one or more approvers to approve a request (--wait: wait for the decision)',
  usage,
  async run(args, deps) {
    const { values, tokens } = parseCommandLine('start', () =>
      parseArgs({
        args: [...args],
        options: {
          ...COMMON_OPTIONS,
          ...STACK_OPTIONS,
          'manager-email': { type: 'string' },
          'employee-name': { type: 'string' },
          approver: { type: 'string', multiple: true },
          policy: { type: 'string' },
          subject: { type: 'string' },
          detail: { type: 'string', multiple: true },
          requester: { type: 'string' },
          via: { type: 'string', multiple: true },
          wait: { type: 'boolean' },
          name: { type: 'string' },
          request: { type: 'string' },
        },
        strict: true,
        tokens: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    refuseRepeatedOptions('start', tokens, SINGLE_VALUED);

    const request = await requestToStart(values, deps.stdin);
    const problems = request.valid ? [] : [...request.problems];
    const nameProblem = executionNameProblem(values.name);
    if (nameProblem) problems.push(nameProblem);
    if (!request.valid || problems.length > 0) throw new UsageError(problems.map((problem) => `${problem}.`).join('\n'), 'start');

    const target = resolveTarget(values, deps);
    try {
      const stateMachineArn = await findStateMachineArn(target, deps);
      const sfn = sfnClientFor(target, deps, regionOfArn(stateMachineArn));
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          input: request.inputText,
          ...(values.name === undefined ? {} : { name: values.name }),
        }),
      );
      const executionArn = started.executionArn ?? '';
      // The name in the ARN may hold bidirectional controls (Step Functions allows them in a name):
      // printed escaped, so what a person copies is what they see.
      const shownArn = printable(executionArn);
      const startDate = started.startDate?.toISOString() ?? null;
      if (values.wait) {
        // --json prints the final view only: one JSON document on stdout, whatever happens.
        if (!values.json) deps.output.stdout(`Started ${shownArn}`);
        return await waitForOutcome({
          sfn,
          executionArn,
          json: values.json ?? false,
          targetFlag: targetFlag(target),
          output: deps.output,
          waiting: deps.waiting,
        });
      }
      if (values.json) {
        deps.output.stdout(formatJson({ executionArn, startDate }));
        return;
      }
      deps.output.stdout(shownArn);
      const inbox = target.kind === 'local' ? ` (in the local inbox, ${localInboxUrl(deps.env)})` : '';
      const several = request.approvers.length > 1;
      deps.output.stdout(
        `${joinAddresses(request.approvers)} ${several ? 'each get' : 'gets'} ${whatApproversGet(request.via)}${inbox} as soon as the worker picks the request up. ` +
          `Follow it with: approval status ${shownArn}${targetFlag(target)}` +
          (request.seedForm ? '' : ` (or wait for it: approval wait ${shownArn}${targetFlag(target)})`),
      );
    } catch (error) {
      throw explainAwsFailure(error, target);
    }
  },
};

import '../../../local/step-functions/polyfills';
import { randomBytes } from 'node:crypto';
import { SendEmailCommand, type SendEmailCommandInput, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendTaskFailureCommand, type SendTaskFailureCommandInput, SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionError, type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { WorkerConfig } from '../../../functions/approval-worker/config';
import { handleActivityTask, type TaskOutcome } from '../../../functions/approval-worker/drain-activity-tasks';
import { SendRateLimiter } from '../../../functions/approval-worker/send-rate-limiter';
import { checkRequest } from '../../../functions/approval-worker/check-request';
import { mailboxKey } from '../../../functions/commons/approval-request';
import { readApprovalConfig } from '../../../infra/approval-config';
import { approvalDefinitionSubstitutions } from '../../../infra/constructs/approval-workflow';
import { loadApprovalDefinition } from '../../../statemachine/render-definition';
import { MAX_CAUSE_LENGTH } from '../../../statemachine/step-functions-limits';
import { propertyParameters, propertyTimeoutMs, type PropertySuite } from '../property-runs';
import { astral, codePoint, codePoints, firstCodePoints, hostileText, loneSurrogate, wellFormed } from './hostile-text';

/**
 * Property: any execution input, well-formed or hostile, ends in a defined outcome. A valid request
 * emails each approver it asks and ends as the approvers decide; an invalid one fails at once with
 * InvalidRequest and a cause naming each problem, before anyone is emailed. Every email escapes
 * what came from the input. The state machine runs in-process (aws-local-stepfunctions) with the
 * real request check (the worker function's checkRequest action) and the real task handling of the
 * worker, whose SES and Step Functions clients are mocked.
 */

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
const WORKER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:approval-worker';
const API_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/respond';
const EXECUTION_NAME = 'property-run';

/** README "Requests and policies": the limits a request must keep. */
const LIMITS = { approvers: 10, subject: 200, details: 20, detailKey: 100, detailValue: 1000, employeeName: 200 } as const;
/** README: control characters (line breaks included), the bidirectional controls and the hidden format characters are refused in every text field. */
const REFUSED_IN_TEXT =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u00ad\u061c\u180e\u200e\u200f\u202a-\u202e\u2061-\u2064\u2066-\u206f\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;
/** README: what a whole text may not be or hold beyond single characters. */
const SHOWS_NOTHING = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]*$/u;
const TOO_MANY_MARKS = /\p{M}{9}/u;
const ENCODED_WORD = /=\?[^?]*\?[bq]\?[^?]*\?=/iu;

/** Whether a text of accepted characters is accepted as a whole: for a `required` field it must show something. */
function acceptedAsWhole(text: string, required: boolean): boolean {
  return !TOO_MANY_MARKS.test(text) && !ENCODED_WORD.test(text) && (!required || !SHOWS_NOTHING.test(text));
}
const KNOWN_FIELDS = ['approvers', 'policy', 'subject', 'details', 'requester', 'managerEmailAddress', 'employeeName', 'approval'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
type JsonValue = Parameters<LocalHandler>[0];

/** A plain address, sometimes in capitals (addresses compare case-insensitively). */
const address = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,12}(?:[._+-][a-z0-9]{1,8}){0,2}$/),
    fc.stringMatching(/^[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?\.(?:example|test|org|co\.uk)$/),
    fc.boolean(),
  )
  .map(([local, domain, shout]) => (shout ? `${local}@${domain}`.toUpperCase() : `${local}@${domain}`));

/** Markup and escapes a person might type into a subject or a detail. */
const markupFragment = fc.constantFrom(
  '<script>alert(1)</script>',
  '</td></tr></table><h1>Approved</h1>',
  '<a href="https://evil.example">click</a>',
  '" onmouseover="alert(1)',
  "' autofocus onfocus='alert(1)",
  '&amp;',
  '&lt;b&gt;',
  '&#60;',
  '<!--',
  ']]>',
  '{{7*7}}',
  '${7*7}',
);
/** A code point a text field accepts. */
const acceptedCodePoint = codePoint.filter((character) => !REFUSED_IN_TEXT.test(character));

/** Text a field accepts: `min` to `max` code points, none refused, not blank when `min` > 0. */
function acceptedText(min: number, max: number, unit: fc.Arbitrary<string> = acceptedCodePoint): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ arbitrary: unit, weight: 6 }, { arbitrary: markupFragment, weight: 1 }), {
      minLength: min,
      maxLength: max,
      size: 'max',
    })
    .map((pieces) => firstCodePoints(pieces.join(''), max))
    .filter((text) => (min === 0 || text.trim() !== '') && Array.from(text).length >= min && acceptedAsWhole(text, min > 0));
}

/** Any JSON value, to fill extra fields and wrong types; its strings hold any code point, rarely half a surrogate pair. */
const anyJson: fc.Arbitrary<Json> = fc.jsonValue({
  maxDepth: 3,
  stringUnit: fc.oneof({ arbitrary: codePoint, weight: 30 }, { arbitrary: loneSurrogate, weight: 1 }),
}) as fc.Arbitrary<Json>;
/** Cheap to make, costly to handle: one character many thousand times. */
const hugeText = fc.tuple(codePoint, fc.integer({ min: 5_000, max: 100_000 })).map(([character, times]) => character.repeat(times));
const extraKey = fc
  .oneof(
    fc.constantFrom('ticket', 'costCentre', 'nested', 'list', '__proto__', 'constructor', '', ' ', 'a.b', '$', '$.x'),
    hostileText({ maxPieces: 12 }),
  )
  .filter((key) => !KNOWN_FIELDS.includes(key));
/** Fields the service does not know: carried through to the output untouched. */
const extras: fc.Arbitrary<Record<string, Json>> = fc.dictionary(extraKey, anyJson, { maxKeys: 4 });

interface GeneralRequest {
  readonly approvers: string[];
  readonly policy?: 'any' | 'all';
  readonly subject: string;
  readonly details?: Record<string, string>;
  readonly requester?: string;
}

const generalRequest: fc.Arbitrary<GeneralRequest> = fc
  .record(
    {
      // Distinct mailboxes: case and a +tag do not make two approvers.
      approvers: fc.uniqueArray(address, { minLength: 1, maxLength: LIMITS.approvers, selector: (value) => mailboxKey(value) }),
      policy: fc.constantFrom<'any' | 'all'>('any', 'all'),
      subject: acceptedText(1, LIMITS.subject),
      details: fc.dictionary(acceptedText(1, LIMITS.detailKey), acceptedText(0, LIMITS.detailValue), { maxKeys: LIMITS.details }),
      requester: address,
    },
    { requiredKeys: ['approvers', 'subject'] },
  )
  .filter(
    (request) =>
      request.requester === undefined ||
      !request.approvers.some((approver) => mailboxKey(approver) === mailboxKey(request.requester ?? '')),
  );

interface SeedRequest {
  readonly managerEmailAddress: string;
  readonly employeeName: string;
}

const seedRequest: fc.Arbitrary<SeedRequest> = fc.record({
  managerEmailAddress: address,
  // The seed's own rule: up to 200 UTF-16 units. Long names with many astral characters are
  // frequent on purpose: the email's subject adds to the name and must be cut without splitting one.
  employeeName: fc
    .oneof(
      acceptedText(1, LIMITS.employeeName),
      codePoints(LIMITS.employeeName / 2, LIMITS.employeeName, fc.oneof(acceptedCodePoint, astral)),
    )
    .filter(
      (name) => name.length <= LIMITS.employeeName && name.trim() !== '' && !REFUSED_IN_TEXT.test(name) && acceptedAsWhole(name, true),
    ),
});

/** A valid request, in either form, with extra fields; the seed form may carry general field names as extras. */
const validInput = fc.oneof(
  fc.tuple(generalRequest, extras).map(([request, more]) => ({ ...more, ...request })),
  fc
    .tuple(seedRequest, extras, fc.dictionary(fc.constantFrom('policy', 'subject', 'details', 'requester'), anyJson))
    .map(([request, more, general]) => ({ ...more, ...general, ...request })),
);

/** One way to break one field, and the word the cause must use for it. */
interface Breakage {
  readonly field: string;
  readonly label: string;
  readonly apply: (input: Record<string, Json>) => void;
}

const refusedCharacter = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.constantFrom(0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069),
  )
  .map((code) => String.fromCodePoint(code));

/** A text with one refused character somewhere in it. */
const textWithRefused = fc
  .tuple(acceptedText(0, 50), refusedCharacter, acceptedText(0, 50))
  .map(([before, bad, after]) => `${before}${bad}${after}`);
const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.constant({}),
);
const notAnAddress = fc.oneof(
  fc.constantFrom(
    'bob',
    'Ana <ana@example.com>',
    'ana@example.com, eve@example.com',
    'ana@example.com\r\nBcc: eve@example.com',
    '@example.com',
    'ana@',
    'a..b@example.com',
    'ana@example',
  ),
  hostileText({ minPieces: 1, maxPieces: 30 }).filter((text) => !text.includes('@')),
);
const tooLong = (limit: number) => codePoints(limit + 1, limit + 300, acceptedCodePoint);

function generalBreakages(input: Record<string, Json>): fc.Arbitrary<Breakage> {
  const approvers = input.approvers as string[];
  const set =
    (field: string, label = field) =>
    (value: Json): Breakage => ({ field, label, apply: (target) => (target[field] = value) });
  return fc.oneof(
    fc.oneof(textWithRefused, tooLong(LIMITS.subject), hugeText, fc.constantFrom('', '   '), wrongType).map(set('subject')),
    fc.oneof(wrongType, fc.constant([] as Json)).map(set('approvers')),
    // Within the first ten, which are the ones looked at.
    fc.tuple(notAnAddress, fc.nat()).map(([bad, at]) => {
      const list = approvers.slice(0, LIMITS.approvers - 1);
      list.splice(at % (list.length + 1), 0, bad);
      return set('approvers', 'approvers[')(list);
    }),
    fc.nat().map((index) => {
      const list = approvers.slice(0, LIMITS.approvers - 1);
      const first = list[index % list.length] as string;
      return set('approvers', 'repeats')([...list, first.toUpperCase() === first ? first.toLowerCase() : first.toUpperCase()]);
    }),
    fc
      .uniqueArray(address, { minLength: LIMITS.approvers + 1, maxLength: LIMITS.approvers + 5, selector: (value) => value.toLowerCase() })
      .map(set('approvers', 'approvers has')),
    fc
      .integer({ min: 1_000, max: 50_000 })
      .map((count) => set('approvers', 'approvers has')(Array.from({ length: count }, (_, i) => `a${i}@example.com`))),
    fc.oneof(fc.constantFrom('ALL', 'none', 'majority', ''), wrongType).map(set('policy')),
    fc
      .oneof(
        fc.tuple(acceptedText(1, 20), textWithRefused).map(([key, value]) => ({ [key]: value })),
        fc.tuple(acceptedText(1, 20), wrongType).map(([key, value]) => ({ [key]: value })),
        fc.tuple(textWithRefused, acceptedText(0, 20)).map(([key, value]) => ({ [key]: value })),
        tooLong(LIMITS.detailKey).map((key) => ({ [key]: 'x' })),
        fc.tuple(acceptedText(1, 20), tooLong(LIMITS.detailValue)).map(([key, value]) => ({ [key]: value })),
        fc.constant({ ' ': 'blank key' }),
        fc.dictionary(acceptedText(1, 10), acceptedText(0, 5), { minKeys: LIMITS.details + 1, maxKeys: LIMITS.details + 5 }),
        fc.integer({ min: 1_000, max: 20_000 }).map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']))),
        wrongType.filter((value) => Array.isArray(value) || typeof value !== 'object' || value === null),
      )
      .map((details) => set('details')(details)),
    fc.oneof(notAnAddress, wrongType).map(set('requester')),
    fc.nat().map((index) => {
      const approver = approvers[index % approvers.length] as string;
      return set('requester')(approver.toUpperCase());
    }),
    address.map((manager) => set('managerEmailAddress', 'both approvers and managerEmailAddress')(manager)),
  );
}

function seedBreakages(): fc.Arbitrary<Breakage> {
  const set =
    (field: string) =>
    (value: Json): Breakage => ({ field, label: field, apply: (target) => (target[field] = value) });
  return fc.oneof(
    fc
      .oneof(
        textWithRefused,
        codePoints(LIMITS.employeeName + 1, LIMITS.employeeName + 100, acceptedCodePoint),
        hugeText,
        fc.constantFrom('', ' '),
        wrongType,
      )
      .map(set('employeeName')),
    fc.oneof(notAnAddress, wrongType).map(set('managerEmailAddress')),
  );
}

/** A valid request with one to three fields broken; `labels` are what the cause must mention. */
const invalidInput = validInput.chain((input) => {
  const breakages = 'approvers' in input ? generalBreakages(input) : seedBreakages();
  return fc.uniqueArray(breakages, { minLength: 1, maxLength: 3, selector: (breakage) => breakage.field }).map((chosen) => {
    const broken = structuredClone(input);
    // A requester equal to an approver is only a problem while the approvers are a list of addresses.
    const kept = chosen.some((breakage) => breakage.field === 'approvers')
      ? chosen.filter((breakage) => breakage.field !== 'requester')
      : chosen;
    for (const breakage of kept) breakage.apply(broken);
    return { input: broken, labels: kept.map((breakage) => breakage.label) };
  });
});

/** Anything at all: any JSON, or objects of real and made-up field names with values of any type. */
const anyInput: fc.Arbitrary<Json> = fc.oneof(
  anyJson,
  fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_FIELDS), extraKey), anyJson, { maxKeys: 8 }) as fc.Arbitrary<Json>,
  fc
    .tuple(validInput, fc.dictionary(fc.constantFrom(...KNOWN_FIELDS), anyJson, { minKeys: 1, maxKeys: 3 }))
    .map(([input, overrides]) => ({ ...input, ...overrides })),
);

/** How each approver answers: the record their click would carry, possibly with a forged approver. */
const answers = fc.array(
  fc.record({
    // Mostly approvals, so that requests under "all" are approved often enough too.
    approve: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    comment: fc.option(hostileText({ maxPieces: 40 }), { nil: undefined }),
    forgedApprover: fc.option(address, { nil: undefined }),
  }),
  { minLength: LIMITS.approvers + 5, maxLength: LIMITS.approvers + 5 },
);
interface Answer {
  readonly approve: boolean;
  readonly comment?: string;
  readonly forgedApprover?: string;
}

export type InputKind = 'valid' | 'invalid' | 'any';

export interface ExecutionCase {
  readonly kind: InputKind;
  readonly input: Json;
  /** For invalid inputs: words the cause must contain, one per broken field. */
  readonly labels: readonly string[];
  readonly answers: readonly Answer[];
}

export const executionCase: fc.Arbitrary<ExecutionCase> = fc
  .tuple(
    fc.oneof(
      validInput.map((input) => ({ kind: 'valid' as const, input, labels: [] as string[] })),
      invalidInput.map(({ input, labels }) => ({ kind: 'invalid' as const, input, labels })),
      anyInput.map((input) => ({ kind: 'any' as const, input, labels: [] as string[] })),
    ),
    answers,
  )
  .map(([{ kind, input, labels }, given]) => ({ kind, input, labels, answers: given }));

/** One task the worker took: the input the state machine built and what the worker made of it. */
interface TakenTask {
  readonly token: string;
  readonly input: { readonly approver: string; readonly request: { readonly approvers: string[]; readonly subject: string } };
  readonly outcome: TaskOutcome;
}

interface CaseRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Record<string, Json>;
  readonly error?: string;
  readonly cause?: string;
  readonly tasks: readonly TakenTask[];
  readonly emails: readonly SendEmailCommandInput[];
  readonly failures: readonly SendTaskFailureCommandInput[];
}

function taskFailure(error: string, cause: string): Error {
  const failure = new Error(cause);
  failure.name = error;
  return failure;
}

/**
 * Runs the approval state machine in-process on one case: CheckRequest is the worker function's
 * check, each ManualApproval task goes through the worker's real handling (validation, email,
 * SendTaskFailure), and an emailed approver answers as the case says.
 */
async function runCase(stateMachine: StateMachine, worker: WorkerHarness, testCase: ExecutionCase): Promise<CaseRun> {
  worker.reset();
  const tasks: TakenTask[] = [];
  // Handlers an ended Map left running (its other iterations under "any"): waited for, so their
  // emails are counted with this case and not the next.
  const pending: Array<Promise<unknown>> = [];
  const input = JSON.parse(JSON.stringify(testCase.input)) as JsonValue;
  const checkRequestAction: LocalHandler = (invoke) => {
    const { Payload } = invoke as { Payload: { request: unknown } };
    return { StatusCode: 200, Payload: checkRequest(Payload.request) as unknown as JsonValue };
  };
  const manualApproval: LocalHandler = async (taskInput) => {
    const token = `AQC${randomBytes(300).toString('base64')}`;
    const handling = worker.handle(token, JSON.stringify(taskInput));
    pending.push(handling);
    const outcome = await handling;
    const task = { token, input: taskInput as unknown as TakenTask['input'], outcome };
    tasks.push(task);
    if (outcome === 'invalid-request') {
      const failure = worker.failures.find((call) => call.taskToken === token);
      throw taskFailure(failure?.error ?? 'States.TaskFailed', failure?.cause ?? '');
    }
    if (outcome !== 'emailed') throw new Error(`The worker answered a task with ${outcome}`);
    const index = task.input.request.approvers.indexOf(task.input.approver);
    const answer: Answer = testCase.answers[index] ?? { approve: true };
    const record = {
      decision: answer.approve ? 'approved' : 'rejected',
      decidedAt: '21/Nov/2026:09:15:03 +0000',
      sourceIp: '203.0.113.42',
      userAgent: 'Mozilla/5.0 "quoted" \\ </script>',
      requestId: 'Tk3aBcDEFgHiJkL=',
      ...(answer.comment === undefined ? {} : { comment: answer.comment }),
      ...(answer.forgedApprover === undefined ? {} : { approver: answer.forgedApprover }),
    };
    if (answer.approve) return record;
    // SendTaskFailure as the approval API sends it: error Rejected, the record as the cause.
    throw taskFailure('Rejected', JSON.stringify(record));
  };

  const execution = stateMachine.run(input, {
    overrides: {
      taskResourceLocalHandlers: {
        CheckRequest: checkRequestAction,
        ManualApproval: manualApproval,
        WakeWorker: () => ({ StatusCode: 202, Payload: '' }),
      },
      waitTimeOverrides: { WaitBeforeRedelivery: 0 },
    },
    context: {
      Execution: {
        Name: EXECUTION_NAME,
        Id: `arn:aws:states:us-east-1:123456789012:execution:approval:${EXECUTION_NAME}`,
        StartTime: new Date().toISOString(),
        Input: input,
      },
    },
  });
  let ending: Pick<CaseRun, 'status' | 'output' | 'error' | 'cause'>;
  try {
    ending = { status: 'SUCCEEDED', output: (await execution.result) as Record<string, Json> };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const { name, message } = error.cause as Error;
    ending = { status: 'FAILED', error: name, cause: message };
  }
  await Promise.allSettled(pending);
  return { ...ending, tasks: [...tasks], emails: [...worker.emails], failures: [...worker.failures] };
}

/** The worker's task handling with clients of its own, whose SES and Step Functions calls are recorded. */
interface WorkerHarness {
  readonly emails: SendEmailCommandInput[];
  readonly failures: SendTaskFailureCommandInput[];
  reset(): void;
  handle(token: string, input: string): Promise<TaskOutcome>;
  restore(): void;
}

function workerHarness(): WorkerHarness {
  // Mocks of these instances only: other clients in the process (a local stack's) are untouched.
  const ses = new SESv2Client({ region: 'us-east-1' });
  const sfn = new SFNClient({ region: 'us-east-1' });
  const sesMock = mockClient(ses);
  const sfnMock = mockClient(sfn);
  const emails: SendEmailCommandInput[] = [];
  const failures: SendTaskFailureCommandInput[] = [];
  sesMock.on(SendEmailCommand).callsFake((input: SendEmailCommandInput) => {
    emails.push(input);
    return { MessageId: `message-${emails.length}` };
  });
  sfnMock.on(SendTaskFailureCommand).callsFake((input: SendTaskFailureCommandInput) => {
    failures.push(input);
    return {};
  });
  let config: WorkerConfig;
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return {
    emails,
    failures,
    reset() {
      emails.length = 0;
      failures.length = 0;
      config = {
        activityArn: ACTIVITY_ARN,
        approvalApiUrl: API_URL,
        senderEmail: 'approvals@example.com',
        maxSendRate: 1000,
        sesConfigurationSet: undefined,
        slots: undefined,
        metricsNamespace: 'HumanApproval',
      };
    },
    handle: (token, input) =>
      handleActivityTask(
        { sfn, ses, config, logger: silent, remainingTimeMs: () => 290_000, now: () => new Date('2026-11-21T10:00:00Z') },
        token,
        input,
        new SendRateLimiter({ maxPerSecond: 1000, sleep: () => Promise.resolve() }),
      ),
    restore() {
      sesMock.restore();
      sfnMock.restore();
    },
  };
}

/** Tags and attributes the email's own markup uses; anything else came from the input. */
const EMAIL_TAGS = new Set([
  '!DOCTYPE',
  'html',
  'head',
  'meta',
  'title',
  'body',
  'div',
  'p',
  'h1',
  'table',
  'tr',
  'th',
  'td',
  'strong',
  'br',
  'a',
]);
const EMAIL_ATTRIBUTES = new Set(['html', 'lang', 'charset', 'style', 'href', 'scope']);

function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d+)|(amp|lt|gt|quot));/g, (_match, decimal?: string, named?: string) =>
    decimal === undefined ? { amp: '&', lt: '<', gt: '>', quot: '"' }[named as 'amp'] : String.fromCodePoint(Number(decimal)),
  );
}

/** Every problem of the email's HTML: markup, attributes or entities that are not the email's own. */
function markupProblems(html: string): string[] {
  const problems: string[] = [];
  for (const match of html.matchAll(/<(\/?)([^\s>/]*)([^>]*)>?/g)) {
    const [whole, , name = '', attributes = ''] = match;
    if (!EMAIL_TAGS.has(name)) problems.push(`a <${name}> element: ${whole.slice(0, 80)}`);
    // Attributes are name="value" pairs separated by spaces, nothing else.
    if (!/^(?:\s+[A-Za-z-]+(?:="[^"]*")?)*\s*$/.test(attributes))
      problems.push(`attributes that are not name="value" pairs in ${whole.slice(0, 80)}`);
    for (const [, attribute = ''] of attributes.matchAll(/\s+([A-Za-z-]+)(?:="[^"]*")?/g)) {
      if (!EMAIL_ATTRIBUTES.has(attribute)) problems.push(`an attribute ${attribute} in ${whole.slice(0, 80)}`);
    }
  }
  if (html.split('<').length !== html.split('>').length) problems.push('unbalanced < and >');
  for (const match of html.matchAll(/&(?!(?:amp|lt|gt|quot|#\d+);)/g))
    problems.push(`a raw & at ${match.index}: ${html.slice(match.index, match.index + 20)}`);
  return problems;
}

function linkToken(link: string, route: 'succeed' | 'fail'): { token: string | null; subject: string | null; base: string } {
  const url = new URL(link);
  return {
    token: url.searchParams.get('taskToken'),
    subject: url.searchParams.get('subject'),
    base: `${url.origin}${url.pathname}`.replace(`/${route}`, ''),
  };
}

/** The email a task produced: addressed to the task's approver, links intact, no markup or raw text from the input. */
const hasLoneSurrogate = (text: string): boolean => wellFormed(text) !== text;

function expectSafeEmail(email: SendEmailCommandInput, task: TakenTask): void {
  const simple = email.Content?.Simple;
  const html = simple?.Body?.Html?.Data ?? '';
  const text = simple?.Body?.Text?.Data ?? '';
  const subject = simple?.Subject?.Data ?? '';
  expect(email.Destination?.ToAddresses).toEqual([task.input.approver]);
  expect(markupProblems(html)).toEqual([]);
  expect(html.toLowerCase()).not.toContain('<script');
  // One line, whole characters only, at most 200 of them.
  expect(subject).not.toMatch(/[\r\n]/);
  const { request } = task.input as { request: { subject: string; employeeName?: string } };
  if (hasLoneSurrogate(subject)) expect(hasLoneSurrogate(request.employeeName ?? request.subject)).toBe(true);
  expect(Array.from(subject).length).toBeLessThanOrEqual(LIMITS.subject);

  const hrefs = [...html.matchAll(/<a href="([^"]*)"/g)].map((match) => decodeEntities(match[1] ?? ''));
  const approve = /^Approve: (\S+)$/m.exec(text)?.[1];
  const reject = /^Reject: (\S+)$/m.exec(text)?.[1];
  expect(hrefs).toEqual([approve, reject]);
  for (const [link, route] of [
    [approve, 'succeed'],
    [reject, 'fail'],
  ] as const) {
    // The token alone: the confirmation page shows no request text.
    expect(linkToken(link ?? '', route)).toEqual({ token: task.token, subject: null, base: API_URL });
  }
}

/** The text of the HTML as a reader sees it, whitespace runs made one space. */
function visibleText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ');
}

function expectValidOutcome(testCase: ExecutionCase, run: CaseRun): void {
  const input = JSON.parse(JSON.stringify(testCase.input)) as Record<string, Json>;
  const general = 'approvers' in input;
  const approvers = general ? (input.approvers as string[]) : [input.managerEmailAddress as string];
  const policy = general ? ((input.policy as string | undefined) ?? 'any') : 'any';
  const answerOf = (approver: string) => testCase.answers[approvers.indexOf(approver)] as Answer;

  expect(run.tasks.map((task) => task.outcome).filter((outcome) => outcome !== 'emailed')).toEqual([]);
  expect(run.failures).toEqual([]);
  // Each approver is asked at most once; under "all" every one is.
  const asked = run.tasks.map((task) => task.input.approver);
  expect(new Set(asked).size).toBe(asked.length);
  expect(asked.every((approver) => approvers.includes(approver))).toBe(true);
  if (policy === 'all') expect([...asked].sort()).toEqual([...approvers].sort());

  for (const task of run.tasks) {
    const html = run.emails.find((email) => email.Content?.Simple?.Body?.Text?.Data?.includes(encodeURIComponent(task.token)));
    expect(html).toBeDefined();
    const shown = visibleText(html?.Content?.Simple?.Body?.Html?.Data ?? '');
    // What the approver must see: the subject (or the employee's name) and every detail, as written.
    const said = general
      ? [input.subject as string, ...Object.entries((input.details as Record<string, string> | undefined) ?? {}).flat()]
      : [input.employeeName as string];
    for (const value of said) expect(shown).toContain(value.replace(/\s+/g, ' ').trim());
  }

  const recordFor = (approver: string, approve: boolean): Record<string, Json> => {
    const answer = answerOf(approver);
    return {
      decision: approve ? 'approved' : 'rejected',
      decidedAt: '21/Nov/2026:09:15:03 +0000',
      sourceIp: '203.0.113.42',
      userAgent: 'Mozilla/5.0 "quoted" \\ </script>',
      requestId: 'Tk3aBcDEFgHiJkL=',
      ...(answer.comment === undefined ? {} : { comment: answer.comment }),
      // The state machine's own approver, never the one the click carried.
      approver,
    };
  };
  const { approval: _replaced, ...carried } = input;
  if (run.status === 'SUCCEEDED') {
    const { approval, ...rest } = run.output ?? {};
    expect(rest).toEqual(carried);
    if (policy === 'all') {
      expect(approvers.every((approver) => answerOf(approver).approve)).toBe(true);
      expect(approval).toEqual({ policy, approvers, decisions: approvers.map((approver) => recordFor(approver, true)) });
    } else {
      const decider = (approval as { decision?: { approver?: string } }).decision?.approver ?? '';
      expect(asked).toContain(decider);
      expect(answerOf(decider).approve).toBe(true);
      expect(approval).toEqual({ policy, approvers, decision: recordFor(decider, true) });
    }
  } else {
    expect(run.error).toBe('Rejected');
    const record = JSON.parse(run.cause ?? '') as Record<string, Json>;
    const decider = typeof record.approver === 'string' ? record.approver : '(no approver)';
    expect(asked).toContain(decider);
    expect(answerOf(decider).approve).toBe(false);
    expect(record).toEqual(recordFor(decider, false));
  }
}

function expectInvalidOutcome(run: CaseRun, labels: readonly string[]): void {
  expect({ status: run.status, error: run.error, tasks: run.tasks.length, emails: run.emails.length }).toEqual({
    status: 'FAILED',
    error: 'InvalidRequest',
    tasks: 0,
    emails: 0,
  });
  const cause = run.cause ?? '';
  expect(cause).toMatch(/^Invalid approval request: .+\.$/s);
  expect(cause.length).toBeLessThanOrEqual(MAX_CAUSE_LENGTH);
  // Read in consoles and logs: nothing invisible or reordering, and whole characters only.
  expect(cause.match(REFUSED_IN_TEXT)).toBeNull();
  expect(hasLoneSurrogate(cause)).toBe(false);
  for (const label of labels) expect(cause).toContain(label);
}

/** Declares the execution-input property for one suite. */
export function describeExecutionInputProperties(suite: PropertySuite): void {
  let stateMachine: StateMachine;
  let worker: WorkerHarness;

  beforeAll(() => {
    const config = { ...readApprovalConfig(() => undefined), reminderIntervalSeconds: 60, reminderCount: 1, deliveryRetryAttempts: 1 };
    const definition = loadApprovalDefinition(approvalDefinitionSubstitutions(config, ACTIVITY_ARN, WORKER_ARN));
    // A JSON copy: objects of this realm, which aws-local-stepfunctions resolves paths in. Built and
    // validated once; every case is a run of it.
    stateMachine = new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition);
    worker = workerHarness();
  });

  afterAll(() => worker.restore());

  it(
    'every input ends in a defined outcome: its emails and decision when valid, InvalidRequest naming each problem when not',
    async () => {
      const kinds: Record<InputKind, number> = { valid: 0, invalid: 0, any: 0 };
      await fc.assert(
        fc.asyncProperty(executionCase, async (testCase) => {
          kinds[testCase.kind] += 1;
          const run = await runCase(stateMachine, worker, testCase);

          for (const email of run.emails) {
            const task = run.tasks.find((candidate) =>
              email.Content?.Simple?.Body?.Text?.Data?.includes(encodeURIComponent(candidate.token)),
            );
            expect(task).toBeDefined();
            expectSafeEmail(email, task as TakenTask);
          }
          if (testCase.kind === 'valid') {
            expectValidOutcome(testCase, run);
          } else if (testCase.kind === 'invalid') {
            expectInvalidOutcome(run, testCase.labels);
          } else if (run.status === 'FAILED' && run.error === 'InvalidRequest') {
            expectInvalidOutcome(run, []);
          } else {
            // Anything else must have been a valid request after all, and end as one.
            expect(checkRequest(testCase.input)).toMatchObject({ valid: true });
            expectValidOutcome(testCase, run);
          }
        }),
        propertyParameters('executionInputs', suite),
      );
      // Each kind of input was tried often enough to mean something.
      const runs = kinds.valid + kinds.invalid + kinds.any;
      for (const kind of Object.keys(kinds) as InputKind[]) expect(kinds[kind]).toBeGreaterThan(runs / 10);
    },
    propertyTimeoutMs('executionInputs', suite),
  );
}

import { expect } from '@jest/globals';
import { checkRequest } from '../../functions/approval-worker/check-request';
import {
  isEmailAddress,
  MAX_EMPLOYEE_NAME_LENGTH,
  validateApprovalRequest,
  validateApprovalTask,
  type NormalizedApprovalRequest,
} from '../../functions/commons/approval-request';
import { MAX_CAUSE_LENGTH } from '../../statemachine/step-functions-limits';

const problemsOf = (input: unknown): readonly string[] => {
  const result = validateApprovalRequest(input);
  if (result.valid) throw new Error('expected the request to be invalid');
  return result.problems.map((problem) => problem.message);
};

const normalized = (input: unknown): NormalizedApprovalRequest => {
  const result = validateApprovalRequest(input);
  if (!result.valid) throw new Error(`expected a valid request: ${result.problems.map((problem) => problem.message).join('; ')}`);
  return result.request;
};

const general = (overrides: Record<string, unknown> = {}) => ({
  approvers: ['ana@example.com', 'ben@example.com'],
  subject: 'Deploy release 42 to production',
  ...overrides,
});

/** Unicode's Bidi_Control characters: the embeddings, overrides and isolates, then the marks. */
const BIDI_EMBEDDINGS = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const BIDI_MARKS = ['\u061c', '\u200e', '\u200f'];
const BIDI_CONTROLS = [...BIDI_EMBEDDINGS, ...BIDI_MARKS];
/** Invisible format characters that change or hide what is shown. */
const HIDDEN_FORMAT_CHARACTERS = ['\u206a', '\u206b', '\u206c', '\u206d', '\u206e', '\u206f', '\ufff9', '\ufffa', '\ufffb'];
const hex = (character: string) => `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
const bidiProblem = (...characters: string[]) =>
  `contains Unicode bidirectional controls (${characters.map(hex).join(', ')}), which can make text read differently from what it is`;
const controlProblem = (...characters: string[]) => `contains control characters such as line breaks (${characters.map(hex).join(', ')})`;

describe('validateApprovalRequest, the seed form', () => {
  it('normalizes to one approver, policy any, the seed subject and the name', () => {
    expect(validateApprovalRequest({ managerEmailAddress: 'Boss@Example.com', employeeName: 'Jim Smith', costCentre: 42 })).toEqual({
      valid: true,
      request: {
        approvers: ['Boss@Example.com'],
        policy: 'any',
        subject: 'Approval needed for Jim Smith',
        details: {},
        employeeName: 'Jim Smith',
        via: ['email'],
      },
    });
  });

  it('keeps fields the general form uses as extra fields beside the seed form, as before', () => {
    const request = normalized({
      managerEmailAddress: 'boss@example.com',
      employeeName: 'Jim',
      subject: 42,
      requester: 'boss@example.com',
    });

    expect(request).toEqual({
      approvers: ['boss@example.com'],
      policy: 'any',
      subject: 'Approval needed for Jim',
      details: {},
      employeeName: 'Jim',
      via: ['email'],
    });
  });

  it('lists every problem of a request at once', () => {
    expect(problemsOf({ managerEmailAddress: 'x' })).toEqual([
      'managerEmailAddress "x" is not an email address',
      'employeeName is missing',
    ]);
    expect(problemsOf({ employeeName: 'Jim' })).toEqual(['managerEmailAddress is missing']);
  });

  it.each([
    [{ managerEmailAddress: 'not-an-address', employeeName: 'Jim' }, 'managerEmailAddress "not-an-address" is not an email address'],
    [{ managerEmailAddress: 'a@b.com, evil@x.com', employeeName: 'Jim' }, 'is not an email address'],
    [{ managerEmailAddress: 'boss@example.com\r\nBcc: evil@x.com', employeeName: 'Jim' }, 'is not an email address'],
    [{ managerEmailAddress: 42, employeeName: 'Jim' }, 'managerEmailAddress must be a string, not a number'],
    [{ managerEmailAddress: 'boss@example.com', employeeName: '   ' }, 'employeeName is empty'],
    [{ managerEmailAddress: 'boss@example.com', employeeName: ['Jim'] }, 'employeeName must be a string, not an array'],
    [{ managerEmailAddress: 'boss@example.com', employeeName: 'Jim\r\nBcc: evil@x.com' }, `employeeName ${controlProblem('\r', '\n')}`],
    [
      { managerEmailAddress: 'boss@example.com', employeeName: 'x'.repeat(250_000) },
      `employeeName is 250000 characters long; the limit is ${MAX_EMPLOYEE_NAME_LENGTH}`,
    ],
  ])('rejects %# with a cause that says what is wrong', (request, expected) => {
    const problems = problemsOf(request);

    expect(problems.join('; ')).toContain(expected);
    // A cause never repeats a huge input.
    expect(problems.join('; ').length).toBeLessThan(300);
  });

  it.each(BIDI_CONTROLS.map(hex))('refuses the bidirectional control %s in employeeName, naming it', (name) => {
    const control = String.fromCodePoint(parseInt(name.slice(2), 16));

    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: `Jim${control}Smith` })).toEqual([
      `employeeName ${bidiProblem(control)}`,
    ]);
  });
});

describe('validateApprovalRequest, the general form', () => {
  it('normalizes with policy any and empty details by default, keeping the approvers as given', () => {
    expect(validateApprovalRequest({ approvers: ['Ana@Example.com'], subject: 'Refund order 7' })).toEqual({
      valid: true,
      request: { approvers: ['Ana@Example.com'], policy: 'any', subject: 'Refund order 7', details: {}, via: ['email'] },
    });
  });

  it('keeps policy, details and requester; extra fields are allowed', () => {
    const request = normalized(
      general({
        policy: 'all',
        details: { Release: '42', Change: 'Adds the export endpoint', Empty: '' },
        requester: 'dev@example.com',
        ticket: { id: 7 },
      }),
    );

    expect(request).toEqual({
      approvers: ['ana@example.com', 'ben@example.com'],
      policy: 'all',
      subject: 'Deploy release 42 to production',
      details: { Release: '42', Change: 'Adds the export endpoint', Empty: '' },
      requester: 'dev@example.com',
      via: ['email'],
    });
  });

  it('accepts every limit exactly: 10 approvers, a 200-character subject, 20 details of 100 and 1,000 characters', () => {
    const approvers = Array.from({ length: 10 }, (_, i) => `approver${i}@example.com`);
    const details = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}`.padEnd(100, 'k'), 'v'.repeat(1_000)]));

    expect(validateApprovalRequest({ approvers, subject: 's'.repeat(200), details }).valid).toBe(true);
  });

  it('counts characters as a person does: 200 emoji make a subject of 200 characters', () => {
    expect(validateApprovalRequest(general({ subject: '🚀'.repeat(200) })).valid).toBe(true);
    expect(problemsOf(general({ subject: '🚀'.repeat(201) }))).toEqual(['subject is 201 characters long; the limit is 200']);
  });

  it.each([
    ['no approvers', { subject: 'Deploy' }, 'approvers is missing'],
    [
      'approvers not a list',
      { approvers: 'ana@example.com', subject: 'Deploy' },
      'approvers must be an array of email addresses, not a string',
    ],
    ['an empty approvers list', { approvers: [], subject: 'Deploy' }, 'approvers is empty; name 1 to 10 email addresses'],
    [
      '11 approvers',
      { approvers: Array.from({ length: 11 }, (_, i) => `a${i}@example.com`), subject: 'Deploy' },
      'approvers has 11 addresses; the limit is 10',
    ],
    [
      'an approver that is no address',
      general({ approvers: ['ana@example.com', 'ben@example.com', 'x'] }),
      'approvers[2] "x" is not an email address',
    ],
    [
      'an approver with a display name',
      general({ approvers: ['Ana <ana@example.com>'] }),
      'approvers[0] "Ana <ana@example.com>" is not an email address',
    ],
    ['an approver that is not text', general({ approvers: ['ana@example.com', 7] }), 'approvers[1] must be a string, not a number'],
    [
      'the same approver twice in another case',
      general({ approvers: ['ana@example.com', 'ben@example.com', 'ANA@Example.COM'] }),
      'approvers[2] "ANA@Example.COM" repeats approvers[0]',
    ],
    ['an unknown policy', general({ policy: 'majority' }), 'policy must be "any" or "all", not "majority"'],
    ['a policy in capitals', general({ policy: 'ALL' }), 'policy must be "any" or "all", not "ALL"'],
    ['a policy that is not text', general({ policy: 2 }), 'policy must be "any" or "all", not a number'],
    ['no subject', { approvers: ['ana@example.com'] }, 'subject is missing'],
    ['an empty subject', general({ subject: '' }), 'subject is empty'],
    ['a blank subject', general({ subject: ' \t ' }), 'subject is empty'],
    ['a subject that is not text', general({ subject: ['Deploy'] }), 'subject must be a string, not an array'],
    ['a 201-character subject', general({ subject: 's'.repeat(201) }), 'subject is 201 characters long; the limit is 200'],
    ['a subject with a line break', general({ subject: 'Deploy\r\nBcc: evil@example.com' }), `subject ${controlProblem('\r', '\n')}`],
    ['a subject with a line separator', general({ subject: 'Deploy\u2028now' }), `subject ${controlProblem('\u2028')}`],
    ['details as a list', general({ details: ['42'] }), 'details must be an object of text entries, not an array'],
    ['details as text', general({ details: 'Release 42' }), 'details must be an object of text entries, not a string'],
    ['details as null', general({ details: null }), 'details must be an object of text entries, not null'],
    [
      '21 details',
      general({ details: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }),
      'details has 21 entries; the limit is 20',
    ],
    ['a detail that is a number', general({ details: { Release: 42 } }), 'details.Release must be a string, not a number'],
    ['a detail that is an object', general({ details: { Release: { id: 42 } } }), 'details.Release must be a string, not an object'],
    ['a detail that is null', general({ details: { 'Change id': null } }), 'details["Change id"] must be a string, not null'],
    [
      'a 1,001-character detail',
      general({ details: { Notes: 'n'.repeat(1_001) } }),
      'details.Notes is 1001 characters long; the limit is 1000',
    ],
    ['a detail with a line break', general({ details: { Notes: 'a\nb' } }), `details.Notes ${controlProblem('\n')}`],
    ['an empty detail key', general({ details: { '': 'x' } }), 'details has an empty or blank key'],
    ['a blank detail key', general({ details: { '  ': 'x' } }), 'details has an empty or blank key'],
    [
      'a 101-character detail key',
      general({ details: { ['k'.repeat(101)]: 'x' } }),
      `details key "${'k'.repeat(64)}..." is 101 characters long; the limit is 100`,
    ],
    ['a detail key with a tab', general({ details: { 'a\tb': 'x' } }), `details key "a\\tb" ${controlProblem('\t')}`],
    ['a requester that is no address', general({ requester: 'dev' }), 'requester "dev" is not an email address'],
    ['a requester that is not text', general({ requester: ['dev@example.com'] }), 'requester must be a string, not an array'],
    [
      'a requester among the approvers',
      general({ requester: 'ben@example.com' }),
      'requester "ben@example.com" is also an approver: nobody may approve their own request',
    ],
    [
      'a requester among the approvers in another case',
      general({ requester: 'Ben@EXAMPLE.com' }),
      'requester "Ben@EXAMPLE.com" is also an approver: nobody may approve their own request',
    ],
    [
      'both forms at once',
      { approvers: ['ana@example.com'], subject: 'Deploy', managerEmailAddress: 'boss@example.com', employeeName: 'Jim' },
      'the execution input has both approvers and managerEmailAddress/employeeName: use one form or the other',
    ],
    [
      'approvers beside only an employee name',
      { approvers: ['ana@example.com'], subject: 'Deploy', employeeName: 'Jim' },
      'the execution input has both approvers and managerEmailAddress/employeeName: use one form or the other',
    ],
    [
      'an object of neither form',
      { manager: 'boss@example.com' },
      'the execution input must be a JSON object with approvers and subject, or with managerEmailAddress and employeeName',
    ],
  ])('refuses %s', (_label, request, expected) => {
    expect(problemsOf(request)).toEqual([expected]);
  });

  it('lists every problem at once, in the order of the fields', () => {
    expect(
      problemsOf({
        approvers: ['Ana@example.com', 'x', 'ana@EXAMPLE.com', 5],
        policy: 'most',
        subject: ' ',
        details: { Release: 42, 'bad key': 'a\u202eb', '': 'x' },
        requester: 'ANA@example.com',
      }),
    ).toEqual([
      'approvers[1] "x" is not an email address',
      'approvers[2] "ana@EXAMPLE.com" repeats approvers[0]',
      'approvers[3] must be a string, not a number',
      'policy must be "any" or "all", not "most"',
      'subject is empty',
      'details.Release must be a string, not a number',
      `details["bad key"] ${bidiProblem('\u202e')}`,
      'details has an empty or blank key',
      'requester "ANA@example.com" is also an approver: nobody may approve their own request',
    ]);
  });

  it('with both forms, also lists what is wrong with the fields given', () => {
    expect(problemsOf({ approvers: ['ana@example.com', 'nope'], managerEmailAddress: 'boss', employeeName: 'Jim' })).toEqual([
      'the execution input has both approvers and managerEmailAddress/employeeName: use one form or the other',
      'managerEmailAddress "boss" is not an email address',
      'approvers[1] "nope" is not an email address',
    ]);
  });

  describe.each(BIDI_CONTROLS.map(hex))('refuses the bidirectional control %s', (name) => {
    const control = String.fromCodePoint(parseInt(name.slice(2), 16));

    it('in the subject', () => {
      expect(problemsOf(general({ subject: `Deploy ${control}24 esaeler` }))).toEqual([`subject ${bidiProblem(control)}`]);
    });

    it('in a detail key', () => {
      // The key is quoted with the control escaped, so the cause itself cannot be reordered.
      const escaped = `\\u${control.charCodeAt(0).toString(16).padStart(4, '0')}`;

      expect(problemsOf(general({ details: { [`Release${control}`]: '42' } }))).toEqual([
        `details key "Release${escaped}" ${bidiProblem(control)}`,
      ]);
    });

    it('in a detail value', () => {
      expect(problemsOf(general({ details: { Release: `4${control}2` } }))).toEqual([`details.Release ${bidiProblem(control)}`]);
    });

    it('in every address field, whose cause shows it escaped', () => {
      const escaped = `\\u${control.charCodeAt(0).toString(16).padStart(4, '0')}`;

      expect(problemsOf(general({ approvers: [`ana${control}@example.com`], requester: `dev@example.com${control}` }))).toEqual([
        `approvers[0] "ana${escaped}@example.com" is not an email address`,
        `requester "dev@example.com${escaped}" is not an email address`,
      ]);
      expect(problemsOf({ managerEmailAddress: `${control}boss@example.com`, employeeName: 'Jim' })).toEqual([
        `managerEmailAddress "${escaped}boss@example.com" is not an email address`,
      ]);
    });
  });

  describe.each(HIDDEN_FORMAT_CHARACTERS.map(hex))('refuses the invisible format character %s', (name) => {
    const character = String.fromCodePoint(parseInt(name.slice(2), 16));
    const problem = `contains invisible format characters (${name}), which can change or hide what is shown`;

    it('in the subject, the details and the employee name', () => {
      expect(problemsOf(general({ subject: `Pay ${character}100`, details: { [`Amount${character}`]: `1${character}00` } }))).toEqual([
        `subject ${problem}`,
        `details key "Amount\\u${character.charCodeAt(0).toString(16)}" ${problem}`,
        `details["Amount\\u${character.charCodeAt(0).toString(16)}"] ${problem}`,
      ]);
      expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: `Jim${character}` })).toEqual([`employeeName ${problem}`]);
    });
  });

  it('names the characters it found in the order they come, a few of them, each once', () => {
    expect(problemsOf(general({ subject: 'a\u2067b\u202ec\u2067d\u200e' }))).toEqual([
      `subject ${bidiProblem('\u2067', '\u202e', '\u200e')}`,
    ]);
    expect(problemsOf(general({ subject: 'a\u202ab\u202bc\u202cd\u202de' }))).toEqual([
      'subject contains Unicode bidirectional controls (U+202A, U+202B, U+202C and more), which can make text read differently from what it is',
    ]);
    expect(problemsOf(general({ subject: 'Deploy\u0007\u202e now\u206a' }))).toEqual([
      `subject ${controlProblem('\u0007')}`,
      `subject ${bidiProblem('\u202e')}`,
      'subject contains invisible format characters (U+206A), which can change or hide what is shown',
    ]);
  });

  it('accepts what text needs: joiners, emoji sequences, right-to-left scripts, a byte order mark', () => {
    const subjects = ['👩‍💻 deploy', 'می\u200cخواهم', 'שלום world', '\ufeffRelease 42', 'क्षत्रिय', '🏴󠁧󠁢󠁳󠁣󠁴󠁿 team'];

    expect(subjects.filter((subject) => !validateApprovalRequest(general({ subject })).valid)).toEqual([]);
  });

  it('never lets a quoted value carry a bidirectional control into the cause', () => {
    const [problem] = problemsOf(general({ approvers: ['ana\u202e@example.com'] }));

    expect(problem).toBe('approvers[0] "ana\\u202e@example.com" is not an email address');
  });

  it('never lets a quoted value carry a bidirectional mark, a C1 control or a hidden format character into the cause', () => {
    const check = checkRequest(general({ details: { 'Key\u200f\u0085\u206b\ufff9': 'v' }, policy: 'a\u061cll' }));

    if (check.valid) throw new Error('expected the request to be invalid');
    expect(check.cause).toContain('policy must be "any" or "all", not "a\\u061cll"');
    expect(check.cause).toContain('details key "Key\\u200f\\u0085\\u206b\\ufff9"');
    expect(check.cause).not.toMatch(/[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb]/);
  });

  it('keeps causes short however big the input', () => {
    const cause = problemsOf({
      approvers: Array.from({ length: 50_000 }, () => 'x'.repeat(300)),
      subject: 's'.repeat(100_000),
      details: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`${i}`.repeat(200), 'v'.repeat(5_000)])),
      requester: 'r'.repeat(10_000),
    }).join('; ');

    expect(cause).toContain('approvers has 50000 addresses; the limit is 10');
    expect(cause).toContain('details has 5000 entries; the limit is 20');
    expect(cause.length).toBeLessThan(16_000);
  });

  it('keeps the cause within what Step Functions accepts, even when every detail is as bad as can be', () => {
    const hostile = '\u202e'.repeat(150);
    const details = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}${hostile}\n`, `${hostile}\n`.repeat(10)]));

    const check = checkRequest(general({ details }));

    if (check.valid) throw new Error('expected the request to be invalid');
    expect(check.cause.length).toBeLessThanOrEqual(MAX_CAUSE_LENGTH);
    expect(check.cause).toMatch(/^Invalid approval request: details key "0\\u202e/);
    expect(check.cause).toMatch(/; and \d+ more problems\.$/);
    expect(check.cause).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps a "__proto__" detail as an ordinary entry', () => {
    const request = normalized(general({ details: JSON.parse('{"__proto__": "x", "Release": "42"}') }));

    expect(Object.entries(request.details)).toEqual([
      ['__proto__', 'x'],
      ['Release', '42'],
    ]);
    expect(Object.getPrototypeOf(request.details)).toBe(Object.prototype);
  });

  it.each([null, 'a string', [1, 2], 7])('refuses an execution input that is not an object (%p)', (request) => {
    expect(problemsOf(request)[0]).toMatch(/^the execution input must be a JSON object/);
  });
});

/** Where a cause quotes a value: every UTF-16 unit of a hidden character as an escape. */
const escapedUnits = (character: string) =>
  Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`).join('');
const codePointHex = (character: string) => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

describe('validateApprovalRequest, text that hides or fakes what it says', () => {
  it.each([
    ['base64, as found by the security test', '=?UTF-8?B?4oCuRGVwbG95?='],
    ['quoted-printable, in lower case', 'Pay =?utf-8?q?=E2=80=AEDeploy?= now'],
    ['with a language tag (RFC 2231)', '=?iso-8859-1*en?Q?Caf=E9?='],
  ])('refuses an RFC 2047 encoded word in the subject, which a mail client would decode: %s', (_label, subject) => {
    const [problem] = problemsOf(general({ subject }));

    expect(problem).toMatch(/^subject contains MIME encoded-word syntax \("=\?.*\?="\), which a mail client decodes in the subject line/);
  });

  it('refuses an encoded word in the employee name, which becomes the subject, and allows one where no header shows it', () => {
    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim =?UTF-8?B?4oCuRGVwbG95?=' })).toEqual([
      'employeeName contains MIME encoded-word syntax ("=?UTF-8?B?4oCuRGVwbG95?="), which a mail client decodes in the subject line into other characters',
    ]);
    // A detail is only in the email's body, where nothing decodes it: it stays as written.
    expect(validateApprovalRequest(general({ details: { Header: '=?UTF-8?B?4oCuRGVwbG95?=' } })).valid).toBe(true);
    // Text that only looks a little like one is fine.
    expect(validateApprovalRequest(general({ subject: 'Is 2+2=4? Yes =? no' })).valid).toBe(true);
  });

  it.each([
    ['a zero-width space', '\u200b'],
    ['the Hangul filler', '\u3164'],
    ['the Hangul choseong and jungseong fillers', '\u115f\u1160'],
    ['the halfwidth Hangul filler between spaces', ' \uffa0 '],
    ['the Braille pattern blank', '\u2800\u2800'],
    ['a word joiner and a byte order mark', '\u2060\ufeff\u2060'],
  ])('refuses a subject that shows nothing: %s', (_label, subject) => {
    const named = [...new Set(Array.from(subject).filter((character) => character !== ' '))].map(codePointHex).join(', ');

    expect(problemsOf(general({ subject }))).toEqual([`subject shows nothing: it holds only blank or invisible characters (${named})`]);
  });

  it('refuses an employee name and a details key that show nothing; an optional detail value may look empty', () => {
    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: '\u3164' })).toEqual([
      'employeeName shows nothing: it holds only blank or invisible characters (U+3164)',
    ]);
    expect(problemsOf(general({ details: { '\u200b': 'v' } }))).toEqual([
      'details key "\u200b" shows nothing: it holds only blank or invisible characters (U+200B)',
    ]);
    expect(validateApprovalRequest(general({ details: { Note: '\u200b' } })).valid).toBe(true);
    // Invisible characters beside visible ones stay allowed: scripts and emoji need joiners.
    expect(validateApprovalRequest(general({ subject: '\u200bDeploy\u3164 42' })).valid).toBe(true);
  });

  describe.each(
    [
      ['the soft hyphen', '\u00ad'],
      ['the Mongolian vowel separator', '\u180e'],
      ['function application', '\u2061'],
      ['invisible times', '\u2062'],
      ['invisible separator', '\u2063'],
      ['invisible plus', '\u2064'],
      ['the language tag', '\u{e0001}'],
      ['tag latin capital letter A', '\u{e0041}'],
      ['the cancel tag', '\u{e007f}'],
    ].map(([label, character]) => [`${label} ${codePointHex(character ?? '')}`, character ?? '']),
  )('refuses %s', (_label, character) => {
    const problem = `contains invisible format characters (${codePointHex(character)}), which can change or hide what is shown`;

    it('in the subject, the details and the employee name', () => {
      expect(problemsOf(general({ subject: `Pay ${character}100`, details: { [`Amount${character}`]: `1${character}00` } }))).toEqual([
        `subject ${problem}`,
        `details key "Amount${escapedUnits(character)}" ${problem}`,
        `details["Amount${escapedUnits(character)}"] ${problem}`,
      ]);
      expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: `Jim${character}` })).toEqual([`employeeName ${problem}`]);
    });
  });

  it('refuses a hidden sentence in tag characters, and keeps the flags of England, Scotland and Wales', () => {
    const hidden = Array.from('approve', (letter) => String.fromCodePoint(0xe0000 + letter.charCodeAt(0))).join('');

    expect(problemsOf(general({ subject: `Deploy 42${hidden}` }))).toEqual([
      'subject contains invisible format characters (U+E0061, U+E0070, U+E0072 and more), which can change or hide what is shown',
    ]);
    for (const flag of ['🏴󠁧󠁢󠁥󠁮󠁧󠁿', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🏴󠁧󠁢󠁷󠁬󠁳󠁿']) expect(validateApprovalRequest(general({ subject: `${flag} team` })).valid).toBe(true);
    // The same tags after another emoji, or a flag with more tags, hide text.
    expect(
      validateApprovalRequest(
        general({
          subject: `😀${Array.from('gbsct', (letter) => String.fromCodePoint(0xe0000 + letter.charCodeAt(0))).join('')}\u{e007f}`,
        }),
      ).valid,
    ).toBe(false);
    expect(validateApprovalRequest(general({ subject: `🏴󠁧󠁢󠁳󠁣󠁴󠁿${hidden}` })).valid).toBe(false);
  });

  it('refuses a run of more than 8 combining marks in every text field, naming the field and the run', () => {
    // 200 characters: a letter and 199 marks on it.
    const zalgo = `D${'\u0336\u0489\u0300'.repeat(66)}\u0301`;

    expect(problemsOf(general({ subject: zalgo, details: { Release: `4${'\u0301'.repeat(9)}2` } }))).toEqual([
      'subject has 199 combining marks in a row; at most 8 may stack, as more draw over the text around them',
      'details.Release has 9 combining marks in a row; at most 8 may stack, as more draw over the text around them',
    ]);
    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: `J${'\u0308'.repeat(20)}im` })).toEqual([
      'employeeName has 20 combining marks in a row; at most 8 may stack, as more draw over the text around them',
    ]);
  });

  it('counts the marks of one stack across the invisible joiners and selectors put between them', () => {
    // U+200D, U+200C and U+200B are allowed on their own, and marks after them still stack on the same letter.
    const joined = `D${'\u0301\u0300\u0302\u0303\u200d'.repeat(4)}\u0304`;
    const selected = `D${'\u0301\u0300\u0302\u200b\u0303\ufe0f'.repeat(3)}`;

    expect(problemsOf(general({ subject: joined, details: { Release: selected } }))).toEqual([
      'subject has 17 combining marks in a row; at most 8 may stack, as more draw over the text around them',
      'details.Release has 15 combining marks in a row; at most 8 may stack, as more draw over the text around them',
    ]);
    // Emoji joined by U+200D with U+FE0F between them are not one stack: each emoji starts a new cluster.
    const emoji =
      'Team \u2764\ufe0f\u200d\ud83d\udd25 \u2764\ufe0f\u200d\ud83e\ude79 \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66';
    expect(validateApprovalRequest(general({ subject: emoji })).valid).toBe(true);
  });

  it('accepts the stacks real scripts write: Vietnamese, pointed Hebrew, a Tibetan stack of 8 marks', () => {
    const subjects = [
      'Tie\u0302\u0301ng Vie\u0323\u0302t',
      '\u05e9\u05bc\u05c1\u05b8\u05d1\u05bd\u05d5\u05bc\u05e2\u05b7',
      // The Kalachakra monogram: one letter with eight marks stacked on it.
      '\u0f67\u0f90\u0fb5\u0fa8\u0fb3\u0fba\u0fbc\u0fbb\u0f82',
      `e${'\u0301'.repeat(8)}`,
    ];

    expect(subjects.filter((subject) => !validateApprovalRequest(general({ subject })).valid)).toEqual([]);
  });

  it('refuses lone surrogates in every text field, naming the field; whole surrogate pairs (emoji) are fine', () => {
    const problem = (label: string, code: string) =>
      `${label} contains lone surrogates (${code}), halves of a UTF-16 pair that are no character and cannot be sent as UTF-8`;

    expect(problemsOf(general({ subject: 'Deploy \ud800 now', details: { 'Key\udc00': 'v\ud83d' } }))).toEqual([
      problem('subject', 'U+D800'),
      problem('details key "Key\\udc00"', 'U+DC00'),
      problem('details["Key\\udc00"]', 'U+D83D'),
    ]);
    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim\udfff' })).toEqual([problem('employeeName', 'U+DFFF')]);
    expect(checkRequest(general({ subject: '\udbff end' }))).toEqual({
      valid: false,
      cause: `Invalid approval request: ${problem('subject', 'U+DBFF')}.`,
    });
    expect(validateApprovalRequest(general({ subject: '🚀 \ud83d\ude80 deploy' })).valid).toBe(true);
  });
});

describe('validateApprovalRequest, one mailbox is one person', () => {
  it('counts addresses that differ only in a +tag as one approver', () => {
    expect(problemsOf(general({ approvers: ['ana@example.com', 'ben@example.com', 'ANA+2@example.com'], policy: 'all' }))).toEqual([
      'approvers[2] "ANA+2@example.com" repeats approvers[0] "ana@example.com": addresses that differ only in a +tag reach one mailbox',
    ]);
    expect(problemsOf(general({ approvers: ['ana+a@example.com', 'ana+b@example.com'] }))).toEqual([
      'approvers[1] "ana+b@example.com" repeats approvers[0] "ana+a@example.com": addresses that differ only in a +tag reach one mailbox',
    ]);
  });

  it('refuses a requester who approves through a +tag of their own address, either way round', () => {
    expect(problemsOf(general({ approvers: ['ana@example.com', 'dev+ok@example.com'], requester: 'dev@example.com' }))).toEqual([
      'requester "dev@example.com" is also an approver as approvers[1] "dev+ok@example.com" (addresses that differ only in a +tag reach one mailbox): nobody may approve their own request',
    ]);
    expect(validateApprovalRequest(general({ approvers: ['dev@example.com'], requester: 'dev+ci@example.com' })).valid).toBe(false);
  });

  it('does not fold dots or other domains: only Gmail ignores dots, and elsewhere they are different people', () => {
    expect(validateApprovalRequest(general({ approvers: ['j.smith@example.com', 'jsmith@example.com'], policy: 'all' })).valid).toBe(true);
    expect(validateApprovalRequest(general({ approvers: ['ana+x@example.com', 'ana+x@example.org'] })).valid).toBe(true);
    expect(validateApprovalRequest(general({ approvers: ['ana@example.com'], requester: 'a.na@example.com' })).valid).toBe(true);
  });
});

describe('validateApprovalRequest, how approvers are reached (via)', () => {
  it('emails when the request does not say', () => {
    expect(normalized(general()).via).toEqual(['email']);
  });

  it.each([[['email']], [['slack']], [['slack', 'email']], [['email', 'slack']]])('accepts via %j and keeps it as given', (via) => {
    expect(normalized(general({ via })).via).toEqual(via);
  });

  it('refuses a channel given twice, naming both places', () => {
    const result = validateApprovalRequest(general({ via: ['slack', 'email', 'slack'] }));

    expect(result).toEqual({
      valid: false,
      problems: [{ path: ['via', 2], message: 'via[2] "slack" repeats via[0]: give each channel once' }],
    });
  });

  it.each([
    [[], 'via is empty: use "email", "slack" or both, or leave via out for email'],
    ['slack', 'via must be an array of "email" and "slack", e.g. ["slack", "email"], not a string'],
    [{ slack: true }, 'via must be an array of "email" and "slack", e.g. ["slack", "email"], not an object'],
    [['sms'], 'via[0] "sms" is not a way to reach approvers: use "email", "slack" or both'],
    [['Slack'], 'via[0] "Slack" is not a way to reach approvers: use "email", "slack" or both'],
    [['email', 7], 'via[1] must be a string, not a number'],
  ])('refuses via %j with a problem that says what to write', (via, expected) => {
    expect(problemsOf(general({ via }))).toEqual([expected]);
  });

  it('keeps the cause short however long a bad via list is', () => {
    const problems = problemsOf(general({ via: Array.from({ length: 10_000 }, () => 'pager') }));

    expect(problems).toHaveLength(10);
  });

  it('refuses via beside the seed form, which is always emailed', () => {
    expect(problemsOf({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim', via: ['slack'] })).toEqual([
      'via cannot be used with managerEmailAddress and employeeName, which are always emailed: give approvers and subject to choose a channel',
    ]);
    expect(normalized({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim' }).via).toEqual(['email']);
  });

  it('names via by the names a caller gives', () => {
    const result = validateApprovalRequest(general({ via: ['email', 'email'] }), (path) => `<${path.join('/')}>`);

    expect(result.valid ? [] : result.problems.map((problem) => problem.message)).toEqual([
      '<via/1> "email" repeats <via/0>: give each channel once',
    ]);
  });

  it('emails the task of a request checked before requests had via', () => {
    const { via, ...before } = normalized(general());
    const task = {
      request: before,
      approver: 'ana@example.com',
      attempt: 2,
      reminderCount: 2,
      reminderIntervalSeconds: 3600,
      executionName: 'e',
    };

    const result = validateApprovalTask(task);

    expect(via).toEqual(['email']);
    expect(result.valid && result.task.request.via).toEqual(['email']);
  });
});

describe('checkRequest, channels the deployment has', () => {
  it('refuses slack on a deployment without a Slack app, saying what to set and what to use instead', () => {
    for (const via of [['slack'], ['email', 'slack']]) {
      expect(checkRequest(general({ via }))).toEqual({
        valid: false,
        cause: 'Invalid approval request: via: this deployment has no Slack app configured (set the slackSecretName setting); use "email".',
      });
    }
  });

  it('accepts slack on a deployment with a Slack app', () => {
    const check = checkRequest(general({ via: ['slack', 'email'] }), undefined, { slackConfigured: true });

    expect(check).toEqual({ valid: true, request: normalized(general({ via: ['slack', 'email'] })) });
  });

  it('accepts email everywhere', () => {
    expect(checkRequest(general({ via: ['email'] })).valid).toBe(true);
    expect(checkRequest(general(), undefined, { slackConfigured: true }).valid).toBe(true);
  });

  it("names the missing Slack app beside the request's own problems, so that one cause lists everything to fix", () => {
    expect(checkRequest(general({ subject: '', via: ['slack'] }))).toEqual({
      valid: false,
      cause:
        'Invalid approval request: subject is empty; ' +
        'via: this deployment has no Slack app configured (set the slackSecretName setting); use "email".',
    });
  });
});

describe('problems name their field', () => {
  it('by its path in the request, whatever the message says', () => {
    const result = validateApprovalRequest({
      approvers: ['ana@example.com', 'approvers[0]'],
      subject: '',
      details: { 'a key': 'line\nbreak', Release: 42 },
      requester: 'ana@example.com',
    });

    if (result.valid) throw new Error('expected the request to be invalid');
    expect(result.problems.map((problem) => problem.path)).toEqual([
      ['approvers', 1],
      ['subject'],
      ['details', 'a key'],
      ['details', 'Release'],
      ['requester'],
    ]);
  });

  it('by the names a caller gives, in the problem and in any field it refers to', () => {
    const result = validateApprovalRequest(
      { approvers: ['ana@example.com', 'ANA@example.com'], subject: 'S', requester: 'ana+x@example.com' },
      (path) => `<${path.join('/')}>`,
    );

    if (result.valid) throw new Error('expected the request to be invalid');
    expect(result.problems).toEqual([
      { path: ['approvers', 1], message: '<approvers/1> "ANA@example.com" repeats <approvers/0>' },
      {
        path: ['requester'],
        message:
          '<requester> "ana+x@example.com" is also an approver as <approvers/0> "ana@example.com" ' +
          '(addresses that differ only in a +tag reach one mailbox): nobody may approve their own request',
      },
    ]);
  });

  it('the input as a whole has the empty path', () => {
    const result = validateApprovalRequest('approve me');

    expect(result.valid ? [] : result.problems.map((problem) => problem.path)).toEqual([[]]);
  });
});

describe("checkRequest, the worker's answer to the CheckRequest state", () => {
  it('answers a valid request with the normalized request', () => {
    expect(checkRequest(general({ requester: 'dev@example.com' }))).toEqual({
      valid: true,
      request: {
        approvers: ['ana@example.com', 'ben@example.com'],
        policy: 'any',
        subject: 'Deploy release 42 to production',
        details: {},
        requester: 'dev@example.com',
        via: ['email'],
      },
    });
  });

  it('answers an invalid request with the cause the execution fails with, naming every problem', () => {
    expect(checkRequest({ approvers: ['ana@example.com', 'x'], subject: '', requester: 'ana@example.com' })).toEqual({
      valid: false,
      cause:
        'Invalid approval request: approvers[1] "x" is not an email address; subject is empty; ' +
        'requester "ana@example.com" is also an approver: nobody may approve their own request.',
    });
  });

  it('never throws, whatever it is given', () => {
    for (const input of [undefined, null, 0, '', [], {}, { approvers: {} }, { details: [] }]) {
      expect(checkRequest(input).valid).toBe(false);
    }
  });
});

/** The task the state machine builds for one approver from a checked request. */
const taskFor = (request: NormalizedApprovalRequest, approver: string, extra: Record<string, unknown> = {}) => ({
  request,
  approver,
  attempt: 1,
  reminderCount: 2,
  reminderIntervalSeconds: 3600,
  executionName: 'exec-1',
  ...extra,
});

const taskProblemsOf = (input: unknown): readonly string[] => {
  const result = validateApprovalTask(input);
  if (result.valid) throw new Error('expected the task to be invalid');
  return result.problems.map((problem) => problem.message);
};

describe('validateApprovalTask', () => {
  it('accepts the task of each approver of a checked general request', () => {
    const request = normalized(general({ policy: 'all', details: { Release: '42' }, requester: 'dev@example.com' }));

    for (const approver of request.approvers) {
      expect(validateApprovalTask(taskFor(request, approver))).toEqual({ valid: true, task: taskFor(request, approver) });
    }
  });

  it('accepts the task of a checked seed request, whose subject may be longer than a person may write one', () => {
    const request = normalized({ managerEmailAddress: 'boss@example.com', employeeName: 'J'.repeat(MAX_EMPLOYEE_NAME_LENGTH) });

    expect(request.subject).toHaveLength(220);
    expect(validateApprovalTask(taskFor(request, 'boss@example.com'))).toEqual({ valid: true, task: taskFor(request, 'boss@example.com') });
  });

  it('accepts the task of an execution started before approvers existed: the manager is the approver', () => {
    // What the previous definition's ManualApproval state handed the worker: the raw input, its counters, no approver.
    const legacy = {
      request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim', costCentre: 'CC-1', approval: { attempt: 2 } },
      attempt: 2,
      reminderCount: 2,
      reminderIntervalSeconds: 86_400,
      executionName: 'old-execution',
    };

    expect(validateApprovalTask(legacy)).toEqual({
      valid: true,
      task: {
        request: {
          approvers: ['boss@example.com'],
          policy: 'any',
          subject: 'Approval needed for Jim',
          details: {},
          employeeName: 'Jim',
          via: ['email'],
        },
        approver: 'boss@example.com',
        attempt: 2,
        reminderCount: 2,
        reminderIntervalSeconds: 86_400,
        executionName: 'old-execution',
      },
    });
    expect(validateApprovalTask({ ...legacy, request: { managerEmailAddress: 'bob', employeeName: 'Jim' } })).toEqual({
      valid: false,
      problems: [{ path: ['managerEmailAddress'], message: 'managerEmailAddress "bob" is not an email address' }],
    });
  });

  it('matches the approver case-insensitively', () => {
    const request = normalized(general());

    expect(validateApprovalTask(taskFor(request, 'BEN@example.com')).valid).toBe(true);
  });

  it('refuses a task for someone who is not one of the approvers', () => {
    expect(taskProblemsOf(taskFor(normalized(general()), 'eve@example.com'))).toEqual([
      'the task\'s approver "eve@example.com" is not one of the request\'s approvers',
    ]);
    expect(taskProblemsOf({ ...taskFor(normalized(general()), ''), approver: undefined })).toEqual(['the task input has no approver']);
    expect(taskProblemsOf(taskFor(normalized(general()), ['ana@example.com'] as unknown as string))).toEqual([
      "the task's approver must be a string, not an array",
    ]);
  });

  it('checks the request again by the same rules', () => {
    const request = {
      ...normalized(general()),
      subject: 'Deploy \u202e24',
      details: { Release: 42 },
    } as unknown as NormalizedApprovalRequest;

    expect(taskProblemsOf(taskFor(request, 'ana@example.com'))).toEqual([
      `subject ${bidiProblem('\u202e')}`,
      'details.Release must be a string, not a number',
    ]);
    expect(taskProblemsOf(taskFor({ ...normalized(general()), requester: 'ana@example.com' }, 'ana@example.com'))).toEqual([
      'requester "ana@example.com" is also an approver: nobody may approve their own request',
    ]);
    const seed = { ...normalized({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim' }), employeeName: 'Jim\u2067' };
    expect(taskProblemsOf(taskFor(seed, 'boss@example.com'))).toEqual([`employeeName ${bidiProblem('\u2067')}`]);
  });

  it('still takes the task of a request accepted before bidirectional marks and hidden format characters were refused', () => {
    // Such a request is open for up to its whole lifetime after an update; its reminders must go out (the email drops them).
    const request = {
      ...normalized(general()),
      subject: 'Deploy\u200f 42',
      details: { 'Release\u206a': '4\u061c2' },
    } as NormalizedApprovalRequest;
    const seed = { ...normalized({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim' }), employeeName: 'Jim\u200e\ufffa' };
    const legacy = {
      ...taskFor(request, 'ana@example.com'),
      request: { managerEmailAddress: 'boss@example.com', employeeName: 'J\u200fim' },
    };
    delete (legacy as { approver?: string }).approver;

    expect(validateApprovalTask(taskFor(request, 'ana@example.com')).valid).toBe(true);
    expect(validateApprovalTask(taskFor(seed, 'boss@example.com')).valid).toBe(true);
    expect(validateApprovalTask(legacy).valid).toBe(true);
    // The embeddings, overrides and isolates were refused before: a task with one is still refused.
    expect(taskProblemsOf(taskFor({ ...request, subject: 'Deploy\u2066 42' }, 'ana@example.com'))).toEqual([
      `subject ${bidiProblem('\u2066')}`,
    ]);
  });

  it('still takes the task of a request accepted before encoded words, blank-looking text, mark runs, lone surrogates and +tag twins were refused', () => {
    const request = {
      ...normalized(general()),
      approvers: ['ana@example.com', 'ana+2@example.com'],
      subject: '=?UTF-8?B?4oCuRGVwbG95?=',
      details: { '\u200b': `x${'\u0301'.repeat(40)}`, Tag: 'a\u{e0041}\u00ad\ud800' },
      requester: 'ana+dev@example.com',
    } as NormalizedApprovalRequest;

    expect(taskProblemsOf({ request: normalized(general()), approver: 'x' }).length).toBeGreaterThan(0);
    expect(validateApprovalTask(taskFor(request, 'ana+2@example.com')).valid).toBe(true);
    expect(validateApprovalTask(taskFor({ ...request, subject: '\u3164' }, 'ana@example.com')).valid).toBe(true);
  });

  it('refuses a task input the state machine did not build', () => {
    expect(taskProblemsOf({ request: normalized(general()), approver: 'ana@example.com' })).toEqual([
      'the task input has no valid attempt number',
      'the task input has no valid reminderCount',
      'the task input has no valid reminderIntervalSeconds',
      'the task input has no executionName',
    ]);
    expect(taskProblemsOf('nope')).toEqual(['the task input must be a JSON object, not a string']);
    expect(taskProblemsOf(taskFor([] as unknown as NormalizedApprovalRequest, 'ana@example.com'))).toEqual([
      "the task's request must be a JSON object, not an array",
    ]);
  });
});

describe('isEmailAddress', () => {
  it.each(['jane.doe@example.com', 'a+tag@sub.example.co.uk', "o'brien@example.org"])('accepts %s', (address) => {
    expect(isEmailAddress(address)).toBe(true);
  });

  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@localhost',
    'a@@b.com',
    'a..b@example.com',
    'Jane <jane@example.com>',
    'a b@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('rejects %p', (address) => {
    expect(isEmailAddress(address)).toBe(false);
  });
});

import { SLACK_REQUEST_MAX_SKEW_SECONDS, slackSignature, verifySlackRequest } from '../../functions/slack-actions/verify-slack-request';

/**
 * The worked example of "Verifying requests from Slack"
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack): a slash command's body,
 * signed with the page's example signing secret at timestamp 1531420618.
 */
const DOCUMENTED = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const SENT_AT_MS = Number(DOCUMENTED.timestamp) * 1000;

function documentedRequest(overrides: { headers?: Record<string, string | undefined>; body?: string } = {}) {
  return {
    headers: overrides.headers ?? { 'X-Slack-Request-Timestamp': DOCUMENTED.timestamp, 'X-Slack-Signature': DOCUMENTED.signature },
    rawBody: Buffer.from(overrides.body ?? DOCUMENTED.body, 'utf8'),
  };
}

describe("Slack's request signature", () => {
  it("computes the signature of Slack's documented example", () => {
    expect(slackSignature(DOCUMENTED.signingSecret, DOCUMENTED.timestamp, DOCUMENTED.body)).toBe(DOCUMENTED.signature);
  });

  it('accepts the documented request within five minutes of its timestamp', () => {
    const verdicts = [0, 1_000, 299_000, -299_000].map((offsetMs) =>
      verifySlackRequest(documentedRequest(), DOCUMENTED.signingSecret, SENT_AT_MS + offsetMs),
    );

    expect(verdicts).toEqual(Array(4).fill({ valid: true }));
  });

  it('reads the headers in any case, as API Gateway may pass them on', () => {
    const request = documentedRequest({
      headers: { 'x-slack-request-timestamp': DOCUMENTED.timestamp, 'x-slack-signature': DOCUMENTED.signature },
    });

    expect(verifySlackRequest(request, DOCUMENTED.signingSecret, SENT_AT_MS)).toEqual({ valid: true });
  });

  it('refuses a request signed with another secret', () => {
    const verdict = verifySlackRequest(documentedRequest(), '8f742231b10e8888abcd99yyyzzz85a6', SENT_AT_MS);

    expect(verdict).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('refuses a body changed after signing', () => {
    const forged = DOCUMENTED.body.replace('text=', 'text=approve');

    expect(verifySlackRequest(documentedRequest({ body: forged }), DOCUMENTED.signingSecret, SENT_AT_MS)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a signature of the wrong length or form without throwing', () => {
    const signatures = [
      'v0=',
      'v0=a2114d57',
      `${DOCUMENTED.signature}00`,
      DOCUMENTED.signature.toUpperCase(),
      'v1=' + DOCUMENTED.signature.slice(3),
    ];

    const verdicts = signatures.map((signature) =>
      verifySlackRequest(
        documentedRequest({ headers: { 'X-Slack-Request-Timestamp': DOCUMENTED.timestamp, 'X-Slack-Signature': signature } }),
        DOCUMENTED.signingSecret,
        SENT_AT_MS,
      ),
    );

    expect(verdicts).toEqual(Array(signatures.length).fill({ valid: false, reason: 'bad-signature' }));
  });

  it.each([
    ['replayed later', SENT_AT_MS + (SLACK_REQUEST_MAX_SKEW_SECONDS + 1) * 1000],
    ['dated in the future', SENT_AT_MS - (SLACK_REQUEST_MAX_SKEW_SECONDS + 1) * 1000],
  ])('refuses a correctly signed request %s by more than five minutes', (_label, nowMs) => {
    expect(verifySlackRequest(documentedRequest(), DOCUMENTED.signingSecret, nowMs)).toEqual({ valid: false, reason: 'stale-timestamp' });
  });

  it.each([
    ['no signature', { 'X-Slack-Request-Timestamp': DOCUMENTED.timestamp }],
    ['no timestamp', { 'X-Slack-Signature': DOCUMENTED.signature }],
    ['empty values', { 'X-Slack-Request-Timestamp': '', 'X-Slack-Signature': '' }],
    ['no headers at all', {}],
  ])('refuses a request with %s', (_label, headers) => {
    expect(verifySlackRequest(documentedRequest({ headers }), DOCUMENTED.signingSecret, SENT_AT_MS)).toEqual({
      valid: false,
      reason: 'missing-headers',
    });
  });

  it('refuses a timestamp that is not a number of seconds', () => {
    const request = documentedRequest({
      headers: { 'X-Slack-Request-Timestamp': '1531420618.5', 'X-Slack-Signature': DOCUMENTED.signature },
    });

    expect(verifySlackRequest(request, DOCUMENTED.signingSecret, SENT_AT_MS)).toEqual({ valid: false, reason: 'malformed-timestamp' });
  });
});

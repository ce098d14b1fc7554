import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SlackAuthTest } from '../../cli/doctor/slack-checks';
import { awsError, doctor, healthyAccount, mocks, REGION, resetMocks } from './doctor-fixtures';

const SECRET_NAME = 'approvals/slack-app';
const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const WITH_SLACK = ['-c', `slackSecretName=${SECRET_NAME}`];

/** auth.test as Slack answers it, recording the tokens it was called with. */
function slackAnswering(answer: Awaited<ReturnType<SlackAuthTest>>): { authTest: SlackAuthTest; tokens: string[] } {
  const tokens: string[] = [];
  return {
    tokens,
    authTest: (token) => {
      tokens.push(token);
      return Promise.resolve(answer);
    },
  };
}

beforeEach(() => {
  resetMocks();
  healthyAccount();
});

describe('approval doctor: the Slack app', () => {
  test('is fine without slackSecretName (email only), and reads no secret', async () => {
    const { checks } = await doctor();

    expect(checks.slack).toEqual({ id: 'slack', status: 'ok', summary: 'not set up (no slackSecretName): approvers are reached by email' });
    expect(mocks.secretsManager.calls()).toHaveLength(0);
  });

  test("is ok when the secret holds a bot token Slack's auth.test accepts; prints neither the token nor the signing secret", async () => {
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_NAME })
      .resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }) });
    const slack = slackAnswering({ ok: true, team: 'Example Corp', user: 'approvals' });

    const { checks, stdout, json } = await doctor(WITH_SLACK, { deps: { slackAuthTest: slack.authTest } });

    expect(checks.slack).toEqual({
      id: 'slack',
      status: 'ok',
      summary: `the secret ${SECRET_NAME} holds a bot token Slack accepts (workspace Example Corp, bot approvals)`,
    });
    expect(slack.tokens).toEqual([BOT_TOKEN, BOT_TOKEN]);
    for (const text of [stdout, JSON.stringify(json)]) {
      expect(text).not.toContain(BOT_TOKEN);
      expect(text).not.toContain(SIGNING_SECRET);
    }
  });

  test('is a problem, with the command that creates it, when the secret does not exist', async () => {
    mocks.secretsManager
      .on(GetSecretValueCommand)
      .rejects(awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));

    const { checks, code } = await doctor(WITH_SLACK, { deps: { slackAuthTest: slackAnswering({ ok: true }).authTest } });

    expect(code).toBe(1);
    expect(checks.slack).toMatchObject({
      status: 'problem',
      summary: `the secret ${SECRET_NAME} (slackSecretName) does not exist in ${REGION}`,
    });
    expect(checks.slack?.fix).toContain(`aws secretsmanager create-secret --name ${SECRET_NAME} --region ${REGION}`);
  });

  test('is a problem naming what is missing when the secret is not the app JSON, and never calls Slack', async () => {
    mocks.secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN }) });
    const slack = slackAnswering({ ok: true });

    const { checks } = await doctor(WITH_SLACK, { deps: { slackAuthTest: slack.authTest } });

    expect(checks.slack?.status).toBe('problem');
    expect(checks.slack?.summary).toContain('has no signingSecret');
    expect(JSON.stringify(checks.slack)).not.toContain(BOT_TOKEN);
    expect(slack.tokens).toEqual([]);
  });

  test.each([
    ['invalid_auth', 'problem'],
    ['token_revoked', 'problem'],
    ['ratelimited', 'warn'],
  ])('reports auth.test answering %s as %s, with how to get a new token', async (error, status) => {
    mocks.secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }) });

    const { checks } = await doctor(WITH_SLACK, { deps: { slackAuthTest: slackAnswering({ ok: false, error }).authTest } });

    expect(checks.slack).toMatchObject({ status, summary: `Slack refused the bot token in ${SECRET_NAME}: auth.test answered ${error}` });
    expect(checks.slack?.fix).toContain('Bot User OAuth Token');
  });

  test('warns when Slack cannot be reached', async () => {
    mocks.secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }) });
    const unreachable: SlackAuthTest = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND slack.com'), { name: 'TypeError' }));

    const { checks } = await doctor(WITH_SLACK, { deps: { slackAuthTest: unreachable } });

    expect(checks.slack?.status).toBe('warn');
    expect(checks.slack?.summary).toContain('could not reach Slack to check the bot token');
  });
});

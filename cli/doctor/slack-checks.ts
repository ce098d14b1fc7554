import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_SLACK_API_URL, parseSlackSecret } from '../../functions/commons/slack-contract';
import { couldNotCheck, describeError, isNamed, result, type CheckResult } from './check-result';

/** What the doctor needs of Slack's Web API: one call of `auth.test` with the bot token. */
export type SlackAuthTest = (
  botToken: string,
) => Promise<{ readonly ok: boolean; readonly error?: string; readonly team?: string; readonly user?: string }>;

/**
 * `auth.test` over HTTPS, as Slack's Web API takes it: POST with the token as a Bearer header
 * (Slack API reference, auth.test; "Using the Slack Web API", authentication). `apiUrl` moves it,
 * as SLACK_API_URL moves the functions' client.
 */
export function httpSlackAuthTest(apiUrl: string = DEFAULT_SLACK_API_URL): SlackAuthTest {
  return async (botToken) => {
    const response = await fetch(new URL('auth.test', apiUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${botToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(10_000),
    });
    return (await response.json()) as { ok: boolean; error?: string; team?: string; user?: string };
  };
}

/** Slack's answers that mean the token itself is no good (auth.test reference, errors). */
const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

/**
 * With slackSecretName set: the secret exists and reads as the Slack app's JSON, and Slack accepts
 * its bot token. Never prints the token or the signing secret.
 */
export async function checkSlack(
  secretName: string | undefined,
  secrets: SecretsManagerClient,
  authTest: SlackAuthTest,
  region: string,
): Promise<CheckResult> {
  // Nothing to fix: email alone is a complete setup, so this is not counted as a skipped check.
  if (secretName === undefined)
    return result('slack', { status: 'ok', summary: 'not set up (no slackSecretName): approvers are reached by email' });
  let secretString: string | undefined;
  try {
    secretString = (await secrets.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
  } catch (error) {
    if (isNamed(error, 'ResourceNotFoundException')) {
      return result('slack', {
        status: 'problem',
        summary: `the secret ${secretName} (slackSecretName) does not exist in ${region}`,
        fix: `create it: \`aws secretsmanager create-secret --name ${secretName} --region ${region} --secret-string '{"botToken":"xoxb-...","signingSecret":"..."}'\` with the values from the Slack app's pages (OAuth & Permissions, Basic Information).`,
      });
    }
    return result('slack', couldNotCheck('secretsmanager:GetSecretValue', error));
  }
  let botToken: string;
  try {
    botToken = parseSlackSecret(secretString).botToken;
  } catch (error) {
    return result('slack', {
      status: 'problem',
      summary: `the secret ${secretName} is not usable: ${(error as Error).message}`,
      fix: `put the Slack app's values in it: \`aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string '{"botToken":"xoxb-...","signingSecret":"..."}'\`.`,
    });
  }
  let answer: Awaited<ReturnType<SlackAuthTest>>;
  try {
    answer = await authTest(botToken);
  } catch (error) {
    return result('slack', { status: 'warn', summary: `could not reach Slack to check the bot token (${describeError(error)})` });
  }
  if (answer.ok) {
    return result('slack', {
      status: 'ok',
      summary: `the secret ${secretName} holds a bot token Slack accepts (workspace ${answer.team ?? 'unknown'}, bot ${answer.user ?? 'unknown'})`,
    });
  }
  const error = answer.error ?? 'unknown_error';
  return result('slack', {
    status: TOKEN_REFUSED.has(error) ? 'problem' : 'warn',
    summary: `Slack refused the bot token in ${secretName}: auth.test answered ${error}`,
    fix: "install the app in the workspace again (Slack app page, Install App) and put its new Bot User OAuth Token in the secret's botToken.",
  });
}

// A stand-in for the Slack actions function, behind `POST /slack/actions` in test assemblies. It
// reads the Slack secret from Secrets Manager as the real function does, checks the request's
// signature with it and answers with what it saw: the names of the variables it was given and
// whether the signature verified. Never a secret's value.
const crypto = require('node:crypto');

const NAMES = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'SLACK_API_URL', 'SLACK_SECRET_ID', 'AWS_ENDPOINT_URL_SFN', 'AWS_REGION'];

/** GetSecretValue in the JSON 1.1 protocol, as the SDK sends it (the fixture has no node_modules). */
async function readSecret(secretId) {
  const response = await fetch(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue' },
    body: JSON.stringify({ SecretId: secretId }),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`GetSecretValue failed: ${answer.__type}`);
  return JSON.parse(answer.SecretString);
}

/** Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret ("Verifying requests from Slack"). */
function signatureValid(signingSecret, headers, body) {
  const timestamp = headers['X-Slack-Request-Timestamp'] ?? headers['x-slack-request-timestamp'];
  const signature = headers['X-Slack-Signature'] ?? headers['x-slack-signature'] ?? '';
  const expected = `v0=${crypto.createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return signature.length === expected.length && crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

exports.handler = async (event) => {
  // `?fail=throw` and `?fail=malformed` play a function that fails, and one that answers out of format.
  const fail = event.queryStringParameters?.fail;
  if (fail === 'throw') throw new Error('The Slack actions fixture was asked to fail');
  if (fail === 'malformed') return { body: 'no statusCode' };
  const secret = process.env.SLACK_API_URL === undefined ? undefined : await readSecret(process.env.SLACK_SECRET_ID);
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      variables: NAMES.filter((name) => process.env[name] !== undefined),
      secretFields: secret === undefined ? [] : Object.keys(secret),
      signatureValid: secret === undefined ? false : signatureValid(secret.signingSecret, event.headers ?? {}, event.body ?? ''),
    }),
  };
};

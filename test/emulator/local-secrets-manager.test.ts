import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../local/secrets-manager/server';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';

/**
 * The local Secrets Manager, through the AWS SDK's own client: GetSecretValue and DescribeSecret
 * in the shapes of the Secrets Manager API Reference.
 */

const SLACK_SECRET = JSON.stringify({
  botToken: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
});

let secretsManager: LocalSecretsManager;
let client: SecretsManagerClient;
beforeAll(async () => {
  secretsManager = await startLocalSecretsManager({ port: 0, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  client = new SecretsManagerClient({ endpoint: secretsManager.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await secretsManager.close();
});

describe('GetSecretValue', () => {
  it('answers a seeded secret by name with its value, version and ARN', async () => {
    const seeded = secretsManager.putSecret('approval/slack-app', SLACK_SECRET);

    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'approval/slack-app' }));

    expect(answer).toMatchObject({
      ARN: seeded.arn,
      Name: 'approval/slack-app',
      VersionId: seeded.versionId,
      SecretString: SLACK_SECRET,
      VersionStages: ['AWSCURRENT'],
    });
    expect(answer.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((answer.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);
    // A complete ARN: the name, a hyphen and six random characters.
    expect(seeded.arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:approval\/slack-app-[A-Za-z0-9]{6}$/);
  });

  // "GetSecretValue" (Secrets Manager API Reference), SecretId: "The ARN or name of the secret",
  // a complete ARN or a partial one without the random suffix.
  it('finds the secret by its complete ARN and by a partial ARN without the suffix', async () => {
    const seeded = secretsManager.putSecret('my-slack-app', SLACK_SECRET);

    const byArn = await client.send(new GetSecretValueCommand({ SecretId: seeded.arn }));
    const byPartialArn = await client.send(
      new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:my-slack-app' }),
    );

    expect(byArn.Name).toBe('my-slack-app');
    expect(byPartialArn).toMatchObject({ Name: 'my-slack-app', ARN: seeded.arn, SecretString: SLACK_SECRET });
  });

  it('gives a new version when the secret is put again', async () => {
    const first = secretsManager.putSecret('rotating-app', '{"botToken":"xoxb-1","signingSecret":"one"}');
    const second = secretsManager.putSecret('rotating-app', '{"botToken":"xoxb-2","signingSecret":"two"}');

    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'rotating-app' }));

    expect(second.arn).toBe(first.arn);
    expect(second.versionId).not.toBe(first.versionId);
    expect(answer).toMatchObject({ VersionId: second.versionId, SecretString: '{"botToken":"xoxb-2","signingSecret":"two"}' });
  });

  it.each([
    ['an unknown name', 'not-seeded'],
    ['a complete ARN with another suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:my-slack-app-Zz9Yy8'],
    ['an ARN of another account', 'arn:aws:secretsmanager:us-east-1:210987654321:secret:my-slack-app'],
  ])('is ResourceNotFoundException for %s', async (_case, secretId) => {
    secretsManager.putSecret('my-slack-app', SLACK_SECRET);

    const read = client.send(new GetSecretValueCommand({ SecretId: secretId }));

    await expect(read).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(read).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('finds no version staged other than AWSCURRENT', async () => {
    secretsManager.putSecret('my-slack-app', SLACK_SECRET);

    await expect(client.send(new GetSecretValueCommand({ SecretId: 'my-slack-app', VersionStage: 'AWSPENDING' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('DescribeSecret', () => {
  it("gives the secret's details and its current version, not its value", async () => {
    const seeded = secretsManager.putSecret('described-app', SLACK_SECRET);
    await client.send(new GetSecretValueCommand({ SecretId: 'described-app' }));

    const answer = await client.send(new DescribeSecretCommand({ SecretId: seeded.arn }));

    expect(answer).toMatchObject({ ARN: seeded.arn, Name: 'described-app', VersionIdsToStages: { [seeded.versionId]: ['AWSCURRENT'] } });
    expect(answer.CreatedDate).toBeInstanceOf(Date);
    expect(answer.LastAccessedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(answer)).not.toContain('xoxb-');
  });
});

describe('what the stand-in shows of its secrets', () => {
  it('lists names and reads at GET /store and on its page, never a value', async () => {
    secretsManager.putSecret('listed-app', SLACK_SECRET);
    await client.send(new GetSecretValueCommand({ SecretId: 'listed-app' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'listed-app' }));

    const store = await fetch(`${secretsManager.url}/store`);
    const storeText = await store.text();
    const page = await (await fetch(`${secretsManager.url}/`)).text();

    const { secrets } = JSON.parse(storeText) as { secrets: Array<{ name: string; reads: number }> };
    expect(secrets).toContainEqual(expect.objectContaining({ name: 'listed-app', reads: 2 }));
    expect(page).toContain('listed-app');
    for (const text of [storeText, page]) {
      expect(text).not.toContain('xoxb-');
      expect(text).not.toContain('8f742231b10e8888abcd99yyyzzz85a5');
    }
  });

  it('answers an operation it does not serve with UnknownOperationException', async () => {
    const response = await fetch(secretsManager.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.DeleteSecret' },
      body: JSON.stringify({ SecretId: 'listed-app' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'listed-app' }))).resolves.toMatchObject({ Name: 'listed-app' });
  });
});

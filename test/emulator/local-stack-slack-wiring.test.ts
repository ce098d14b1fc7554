import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LocalSlackLike, type LocalSlackStartOptions, type LocalStack, startLocalStack } from '../../local/index';
import { SLACK_ACTIONS_FUNCTION_ID, SLACK_SECRET_NAME, slackAssembly } from '../support/slack-assembly';

jest.setTimeout(90_000);

/**
 * The local stack serving a Slack deployment: the Secrets Manager stand-in seeded with the Slack
 * stand-in's credentials, every function given both endpoints, and the Slack actions function run
 * behind `POST /slack/actions`. The Slack stand-in here is a fake that records what it is told.
 */

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function assemblyFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'slack-assembly-'));
  folders.push(folder);
  return path.join(folder, 'cdk.out');
}

const FAKE_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

interface FakeSlack extends LocalSlackLike {
  readonly startedWith: LocalSlackStartOptions[];
  readonly requestUrls: string[];
  closed: boolean;
}

function fakeSlack(): { slack: FakeSlack; start: (options: LocalSlackStartOptions) => Promise<LocalSlackLike> } {
  const slack: FakeSlack = {
    url: 'http://127.0.0.1:8006',
    apiUrl: 'http://127.0.0.1:8006/api/',
    botToken: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
    signingSecret: FAKE_SIGNING_SECRET,
    startedWith: [],
    requestUrls: [],
    closed: false,
    setRequestUrl: (url) => void slack.requestUrls.push(url),
    close: () => {
      slack.closed = true;
      return Promise.resolve();
    },
  };
  return {
    slack,
    start: (options) => {
      slack.startedWith.push(options);
      return Promise.resolve(slack);
    },
  };
}

/** A Slack interaction, signed as Slack signs it ("Verifying requests from Slack": v0=HMAC-SHA256 of `v0:<timestamp>:<body>`). */
function signedInteraction(signingSecret: string): { body: string; headers: Record<string, string> } {
  const body =
    'payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U024BE7LH%22%7D%2C%22note%22%3A%22a+b%2Bc%22%7D';
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': timestamp,
      'X-Slack-Signature': signature,
    },
  };
}

interface FunctionSaw {
  readonly variables: string[];
  readonly secretFields: string[];
  readonly signatureValid: boolean;
}

describe('a template whose functions read a Slack secret', () => {
  const fake = fakeSlack();
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      assemblyDir: slackAssembly(assemblyFolder()),
      ports: { api: 0, ses: 0, stepFunctions: 0 },
      startSlack: fake.start,
    });
  });
  afterAll(() => stack.close());

  it("points the Slack stand-in's request URL at the API's /slack/actions", () => {
    expect(fake.slack.startedWith).toHaveLength(1);
    expect(fake.slack.requestUrls).toEqual([`${stack.apiUrl}/slack/actions`]);
    expect(stack.slackUrl).toBe(fake.slack.url);
  });

  it("seeds the secret the template names, and the Slack actions function reads it and verifies Slack's signature with it", async () => {
    const interaction = signedInteraction(FAKE_SIGNING_SECRET);

    const response = await fetch(`${stack.apiUrl}/slack/actions`, { method: 'POST', headers: interaction.headers, body: interaction.body });

    expect(response.status).toBe(200);
    const saw = (await response.json()) as FunctionSaw;
    expect(saw.variables).toEqual(
      expect.arrayContaining(['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'SLACK_API_URL', 'SLACK_SECRET_ID', 'AWS_ENDPOINT_URL_SFN']),
    );
    expect(saw.secretFields).toEqual(['botToken', 'signingSecret']);
    expect(saw.signatureValid).toBe(true);
    const store = (await (await fetch(`${stack.secretsManagerUrl}/store`)).json()) as { secrets: Array<{ name: string; reads: number }> };
    expect(store.secrets).toEqual([expect.objectContaining({ name: SLACK_SECRET_NAME, reads: 1 })]);
  });

  it('gives the Slack actions function and the worker the local Secrets Manager and Slack API, and the resolved secret ARN', () => {
    const expected = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secretsManagerUrl,
      SLACK_API_URL: 'http://127.0.0.1:8006/api/',
      SLACK_SECRET_ID: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SLACK_SECRET_NAME}`,
    };

    expect(stack.functions[SLACK_ACTIONS_FUNCTION_ID]?.environment).toMatchObject({ ...expected, ACTIVITY_ARN: stack.activityArn });
    expect(stack.worker.environment).toMatchObject(expected);
  });

  it('gives the function what it needs to refuse a request signed with another secret', async () => {
    const forged = signedInteraction('not-the-signing-secret');

    const response = await fetch(`${stack.apiUrl}/slack/actions`, { method: 'POST', headers: forged.headers, body: forged.body });

    expect(((await response.json()) as FunctionSaw).signatureValid).toBe(false);
  });

  // "Handling Lambda errors with an API Gateway API" (Lambda developer guide): 502 for a function error
  // or a malformed answer. The approval API customizes DEFAULT_5XX ("Gateway responses in API
  // Gateway": the response for any 5XX without a type of its own), so the body is its error page.
  it.each(['throw', 'malformed'])(
    "answers 502 with the API's error page when the function fails (%s), and runs the next request",
    async (fail) => {
      const failed = await fetch(`${stack.apiUrl}/slack/actions?fail=${fail}`, {
        method: 'POST',
        headers: { Accept: 'text/html' },
        body: 'payload=%7B%7D',
      });
      const next = await fetch(`${stack.apiUrl}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

      expect(failed.status).toBe(502);
      expect(failed.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await failed.text()).not.toContain('Slack actions fixture');
      expect(next.status).toBe(200);
    },
  );
});

describe('a template that reads a Slack secret, served with the default Slack stand-in', () => {
  it('starts the local Slack on a free port, seeds the secret with its token and signing secret, and points it at /slack/actions', async () => {
    const stack = await startLocalStack({ assemblyDir: slackAssembly(assemblyFolder()), ports: { api: 0, ses: 0, stepFunctions: 0 } });
    try {
      const store = (await (await fetch(`${stack.secretsManagerUrl}/store`)).json()) as { secrets: Array<{ name: string }> };
      const response = await fetch(`${stack.apiUrl}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

      expect(stack.slackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.slackUrl).not.toBe('http://127.0.0.1:8006');
      expect(store.secrets.map((secret) => secret.name)).toEqual([SLACK_SECRET_NAME]);
      expect(((await response.json()) as FunctionSaw).variables).toEqual(
        expect.arrayContaining(['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'SLACK_API_URL', 'SLACK_SECRET_ID']),
      );
    } finally {
      await stack.close();
    }
  });
});

describe('closing the stack', () => {
  it('closes the Slack stand-in, the Secrets Manager and the functions', async () => {
    const fake = fakeSlack();
    const stack = await startLocalStack({
      assemblyDir: slackAssembly(assemblyFolder()),
      ports: { api: 0, ses: 0, stepFunctions: 0 },
      startSlack: fake.start,
    });
    const secretsManagerUrl = stack.secretsManagerUrl ?? '';

    await stack.close();

    expect(fake.slack.closed).toBe(true);
    await expect(fetch(`${secretsManagerUrl}/store`)).rejects.toThrow();
  });
});

describe('a template without SLACK_SECRET_ID', () => {
  it('starts neither Slack nor Secrets Manager, and still runs the proxy function', async () => {
    const fake = fakeSlack();
    const stack = await startLocalStack({
      assemblyDir: slackAssembly(assemblyFolder(), { withSecret: false }),
      ports: { api: 0, ses: 0, stepFunctions: 0 },
      startSlack: fake.start,
    });
    try {
      const response = await fetch(`${stack.apiUrl}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

      expect(fake.slack.startedWith).toEqual([]);
      expect(stack.secretsManagerUrl).toBeUndefined();
      expect(((await response.json()) as FunctionSaw).variables).toEqual(['AWS_ENDPOINT_URL_SFN', 'AWS_REGION']);
    } finally {
      await stack.close();
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { type JsonOperation, startJsonProtocolServer } from '../json-protocol-server';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { secretsPage } from './secrets-page';

/**
 * Secrets Manager on loopback, for the functions of the local stack (AWS_ENDPOINT_URL_SECRETS_MANAGER):
 * GetSecretValue and DescribeSecret of secrets the stack seeds, in the service's JSON 1.1 protocol
 * ("Secrets Manager API Reference": POST /, X-Amz-Target `secretsmanager.<Operation>`, Content-Type
 * application/x-amz-json-1.1). `GET /store` lists the secrets' names and how often each was read,
 * and `/` shows the names: never a value.
 */

export interface LocalSecretsManagerOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.secretsManager */
  readonly port?: number;
  /** Region and account of the secrets' ARNs. */
  readonly region: string;
  readonly accountId: string;
  /** One short line per call: the operation and the secret's name, never its value. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send a whole request. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

/** A secret as the stand-in stores it; its value is never listed. */
export interface SeededSecret {
  readonly name: string;
  /** The complete ARN: the name followed by a hyphen and six random characters, as Secrets Manager makes it. */
  readonly arn: string;
  readonly versionId: string;
}

/** What `GET /store` lists for each secret. */
export interface StoredSecretSummary {
  readonly name: string;
  readonly arn: string;
  /** How many GetSecretValue calls read it. */
  readonly reads: number;
}

export interface LocalSecretsManager {
  /** `http://127.0.0.1:PORT`: set it as AWS_ENDPOINT_URL_SECRETS_MANAGER, or give it to a client as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Creates the secret, or gives it a new current version with this value. */
  putSecret(name: string, secretString: string): SeededSecret;
  close(): Promise<void>;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  versionId: string;
  secretString: string;
  readonly createdAt: number;
  changedAt: number;
  lastReadAt?: number;
  reads: number;
}

/** An answer in the JSON 1.1 protocol's error shape: `__type` and `message` in the body. */
class SecretsManagerApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The GetSecretValue and DescribeSecret API references' message for an unknown secret. */
const NOT_FOUND_MESSAGE = "Secrets Manager can't find the specified secret.";
/** Secrets Manager's limit on a secret value is 64 KB; a request carries little more. */
const MAX_BODY_BYTES = 1024 * 1024;
const CURRENT_STAGE = 'AWSCURRENT';

const SUFFIX_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function arnSuffix(): string {
  return [...randomBytes(6)].map((byte) => SUFFIX_CHARACTERS[byte % SUFFIX_CHARACTERS.length]).join('');
}

/** Seconds since the epoch, as the JSON protocol writes timestamps. */
const epochSeconds = (ms: number): number => ms / 1000;

export async function startLocalSecretsManager(options: LocalSecretsManagerOptions): Promise<LocalSecretsManager> {
  const log = options.log ?? (() => undefined);
  const secrets = new Map<string, StoredSecret>();
  const arnPrefix = `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:`;

  /**
   * SecretId as GetSecretValue and DescribeSecret take it ("The ARN or name of the secret"): the
   * name, the complete ARN, or a partial ARN without the random suffix (the Secrets Manager user
   * guide, "Finding a secret from a partial ARN"). An ARN of another region or account names no
   * secret here.
   */
  const find = (secretId: unknown): StoredSecret => {
    if (typeof secretId !== 'string' || secretId === '') {
      throw new SecretsManagerApiError(400, 'InvalidParameterException', 'You must specify a SecretId.');
    }
    const byName = secrets.get(secretId);
    if (byName !== undefined) return byName;
    if (secretId.startsWith(arnPrefix)) {
      const exact = [...secrets.values()].find((secret) => secret.arn === secretId);
      if (exact !== undefined) return exact;
      // A partial ARN: the name without the suffix. A complete ARN with another suffix names no secret.
      const partial = secrets.get(secretId.slice(arnPrefix.length));
      if (partial !== undefined) return partial;
    }
    throw new SecretsManagerApiError(400, 'ResourceNotFoundException', NOT_FOUND_MESSAGE);
  };

  const operations: Readonly<Record<string, JsonOperation>> = {
    // "GetSecretValue" (Secrets Manager API Reference): ARN, Name, VersionId, SecretString, VersionStages, CreatedDate.
    GetSecretValue: (input) => {
      const secret = find(input.SecretId);
      const versionMatches = input.VersionId === undefined || input.VersionId === secret.versionId;
      const stageMatches = input.VersionStage === undefined || input.VersionStage === CURRENT_STAGE;
      if (!versionMatches || !stageMatches) throw new SecretsManagerApiError(400, 'ResourceNotFoundException', NOT_FOUND_MESSAGE);
      secret.reads++;
      secret.lastReadAt = Date.now();
      log(`GetSecretValue of ${secret.name}`);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: [CURRENT_STAGE],
        CreatedDate: epochSeconds(secret.changedAt),
      };
    },
    // "DescribeSecret" (Secrets Manager API Reference): the secret's details, never its value.
    DescribeSecret: (input) => {
      const secret = find(input.SecretId);
      log(`DescribeSecret of ${secret.name}`);
      return {
        ARN: secret.arn,
        Name: secret.name,
        CreatedDate: epochSeconds(secret.createdAt),
        LastChangedDate: epochSeconds(secret.changedAt),
        // The service keeps the date only, not the time.
        ...(secret.lastReadAt === undefined ? {} : { LastAccessedDate: epochSeconds(new Date(secret.lastReadAt).setUTCHours(0, 0, 0, 0)) }),
        VersionIdsToStages: { [secret.versionId]: [CURRENT_STAGE] },
      };
    },
  };

  const summaries = (): StoredSecretSummary[] =>
    [...secrets.values()].map((secret) => ({ name: secret.name, arn: secret.arn, reads: secret.reads }));

  const server = await startJsonProtocolServer(
    {
      serviceName: 'Secrets Manager',
      operationsInWords: 'GetSecretValue and DescribeSecret',
      targetPrefix: 'secretsmanager.',
      contentType: 'application/x-amz-json-1.1',
      operations,
      apiError: SecretsManagerApiError,
      maxBodyBytes: MAX_BODY_BYTES,
      bodyTooLargeType: 'InvalidRequestException',
      internalErrorType: 'InternalServiceError',
      store: () => ({ secrets: summaries() }),
      page: () => secretsPage(summaries()),
    },
    {
      host: options.host ?? DEFAULT_LOCAL_HOST,
      port: options.port ?? DEFAULT_LOCAL_PORTS.secretsManager,
      requestTimeoutMs: options.requestTimeoutMs,
    },
  );

  return {
    url: server.url,
    port: server.port,
    putSecret(name, secretString) {
      const now = Date.now();
      const existing = secrets.get(name);
      if (existing !== undefined) {
        existing.secretString = secretString;
        existing.versionId = randomUUID();
        existing.changedAt = now;
        return { name, arn: existing.arn, versionId: existing.versionId };
      }
      const secret: StoredSecret = {
        name,
        arn: `${arnPrefix}${name}-${arnSuffix()}`,
        versionId: randomUUID(),
        secretString,
        createdAt: now,
        changedAt: now,
        reads: 0,
      };
      secrets.set(name, secret);
      return { name, arn: secret.arn, versionId: secret.versionId };
    },
    close: () => server.close(),
  };
}

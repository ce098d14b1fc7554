/**
 * Where the local stack listens: one home for the ports, their environment variables and the host,
 * read by `npm start`, the local stack and the `approval` CLI alike.
 */

/**
 * The Lambda Invoke endpoint is for the worker only (it reaches it through AWS_ENDPOINT_URL_LAMBDA),
 * so it takes any free port unless one is asked for: nothing new to configure or to keep free.
 */
export const DEFAULT_LOCAL_PORTS = {
  api: 3000,
  ses: 8005,
  stepFunctions: 8083,
  lambda: 0,
  // For the functions only (AWS_ENDPOINT_URL_SECRETS_MANAGER), like the Lambda endpoint: any free port.
  secretsManager: 0,
  slack: 8006,
  dynamodb: 8008,
} as const;

export type LocalService = keyof typeof DEFAULT_LOCAL_PORTS;

/** The environment variable that moves each port. */
export const LOCAL_PORT_ENV: Readonly<Record<LocalService, string>> = {
  api: 'APPROVAL_LOCAL_API_PORT',
  ses: 'APPROVAL_LOCAL_SES_PORT',
  stepFunctions: 'APPROVAL_LOCAL_SFN_PORT',
  lambda: 'APPROVAL_LOCAL_LAMBDA_PORT',
  secretsManager: 'APPROVAL_LOCAL_SECRETS_MANAGER_PORT',
  slack: 'APPROVAL_LOCAL_SLACK_PORT',
  dynamodb: 'APPROVAL_LOCAL_DYNAMODB_PORT',
};

/** What each port serves, as messages about it name it. */
export const LOCAL_PORT_PURPOSE: Readonly<Record<LocalService, string>> = {
  api: 'approval API',
  ses: 'SES and inbox page',
  stepFunctions: 'Step Functions endpoint',
  lambda: 'Lambda Invoke endpoint',
  secretsManager: 'Secrets Manager endpoint',
  slack: 'Slack stand-in and its page',
  dynamodb: 'DynamoDB endpoint and its page',
};

export const LOCAL_HOST_ENV = 'APPROVAL_LOCAL_HOST';
export const DEFAULT_LOCAL_HOST = '127.0.0.1';

export class LocalPortError extends Error {
  override readonly name = 'LocalPortError';
}

/** The port of a service from the environment, or its default; 0 lets the system pick one. */
export function localPort(env: Readonly<Record<string, string | undefined>>, service: LocalService): number {
  const variable = LOCAL_PORT_ENV[service];
  const raw = env[variable];
  if (raw === undefined || raw === '') return DEFAULT_LOCAL_PORTS[service];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new LocalPortError(`${variable}=${raw} is not a port number (0 to 65535).`);
  return port;
}

/** The loopback address from the environment, or the default. */
export function localHost(env: Readonly<Record<string, string | undefined>>): string {
  return env[LOCAL_HOST_ENV] || DEFAULT_LOCAL_HOST;
}

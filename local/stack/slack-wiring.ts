import type { LocalSlack } from '../slack/server';
import type { CloudFormationTemplate } from './synthesized-stack';
import { resourcesOfType } from './synthesized-stack';
import { functionVariables } from './function-from-template';

/**
 * What the local stack needs of a Slack stand-in, and how it tells that the served template uses
 * Slack. The names follow the contract the functions share (functions/commons/slack-contract.ts),
 * which the emulator may not import.
 */

/** The variable that names the Slack secret (its name, or an ARN) in the functions' environment. */
export const SLACK_SECRET_ID_ENV = 'SLACK_SECRET_ID';
/** The route Slack posts interactions (button clicks, modal submissions) to. */
export const SLACK_ACTIONS_ROUTE = { httpMethod: 'POST', resourcePath: '/slack/actions' } as const;

/** How the local stack starts a Slack stand-in. */
export interface LocalSlackStartOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Where the stand-in posts interactions: the API's `/slack/actions`, when the template has that route. */
  readonly requestUrl?: string;
  readonly log?: (line: string) => void;
}

/**
 * A running Slack stand-in: what the local stack reads of it (its URLs, its bot token and signing
 * secret, which it seeds as the functions' secret) and gives the functions; the stand-in's own
 * interface, so that tests can pass a fake one.
 */
export type LocalSlackLike = LocalSlack;

export type StartLocalSlack = (options: LocalSlackStartOptions) => Promise<LocalSlackLike>;

/** The values the template's functions give SLACK_SECRET_ID, by function (unresolved). */
export function slackSecretVariables(template: CloudFormationTemplate): Array<[string, unknown]> {
  return resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([id, properties]) => {
    const variables = functionVariables(properties);
    return Object.hasOwn(variables, SLACK_SECRET_ID_ENV) ? [[id, variables[SLACK_SECRET_ID_ENV]] as [string, unknown]] : [];
  });
}

/** The secret's name in an ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>`), or the value itself when it is a name. */
export function secretNameOf(arnOrName: string): string {
  const marker = ':secret:';
  const at = arnOrName.startsWith('arn:') ? arnOrName.indexOf(marker) : -1;
  return at === -1 ? arnOrName : arnOrName.slice(at + marker.length);
}

/** The Slack secret's JSON, as the functions read it: `{"botToken": ..., "signingSecret": ...}`. */
export function slackSecretString(slack: Pick<LocalSlackLike, 'botToken' | 'signingSecret'>): string {
  return JSON.stringify({ botToken: slack.botToken, signingSecret: slack.signingSecret });
}

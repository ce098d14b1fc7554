import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_PORT_ENV, localPort, LocalPortError } from 'stepfunctions-human-approval-local';
import type { SlackMessageRecord } from '../functions/commons/slack-message-records';
import { SlackMessageStore } from '../functions/commons/slack-message-store';
import { STACK_OUTPUTS } from '../infra/stack-outputs';
import { explainAwsFailure, isConnectionRefused } from './aws-failures';
import { shorten } from './format-values';
import { localClientConfig, localUrl, regionOfArn, type LocalTarget, type Target, type TargetDependencies } from './targets';

const TABLE_OUTPUT = STACK_OUTPUTS.slackMessagesTable;

/**
 * Where the worker reached each approver of one request that asked for Slack, read from the
 * deployment's table of Slack messages; or, when the table could not be read, why not, in a few
 * words: `approval status` still shows everything else.
 */
export type SlackDelivery =
  { readonly kind: 'read'; readonly records: readonly SlackMessageRecord[] } | { readonly kind: 'not-shown'; readonly note: string };

/** The table could not be found or read; the message is the note `approval status` ends with. */
class SlackDeliveryUnreadable extends Error {
  override readonly name = 'SlackDeliveryUnreadable';
}

interface SlackMessagesTable {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Why reading it failed, in the words of where it is. */
  readonly explain: (error: unknown) => SlackDeliveryUnreadable;
}

/** Short words for an AWS failure: AWS's own messages (an access denial quotes the whole policy context) run long. */
function shortReason(error: unknown, target: Target): string {
  const explained = explainAwsFailure(error, target);
  return shorten(explained instanceof Error ? explained.message : String(explained), 160);
}

// CloudFormation's query protocol answers AccessDenied, DynamoDB's JSON protocol AccessDeniedException
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
const isAccessDenied = (error: unknown) => /^AccessDenied(Exception)?$/.test(String((error as { name?: unknown }).name));

type DeployedTarget = Extract<Target, { kind: 'deployed' }>;

function deployedQueryFailure(
  error: unknown,
  target: DeployedTarget,
  tableName: string,
  region: string | undefined,
): SlackDeliveryUnreadable {
  if (isAccessDenied(error))
    return new SlackDeliveryUnreadable(`not allowed to read table ${tableName} (dynamodb:Query)`, { cause: error });
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
  if ((error as { name?: unknown }).name === 'ResourceNotFoundException')
    return new SlackDeliveryUnreadable(`table ${tableName} not found in ${region ?? 'the default region'}`, { cause: error });
  return new SlackDeliveryUnreadable(shortReason(error, target), { cause: error });
}

/** The state machine an execution ARN belongs to: `arn:<p>:states:<r>:<a>:execution:<machine>:<name>`. */
export function stateMachineArnOf(executionArn: string): string | undefined {
  const parts = executionArn.split(':');
  return parts.length >= 8 && parts[5] === 'execution' ? [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':') : undefined;
}

async function deployedTable(
  target: DeployedTarget,
  deps: TargetDependencies,
  region: string | undefined,
  executionArn: string,
): Promise<SlackMessagesTable> {
  const config = region === undefined ? {} : { region };
  const cloudFormation = deps.createCloudFormationClient(config);
  let outputs;
  try {
    outputs = (await cloudFormation.send(new DescribeStacksCommand({ StackName: target.stackName }))).Stacks?.[0]?.Outputs;
  } catch (error) {
    // DescribeStacks answers ValidationError for a stack that does not exist
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (name === 'ValidationError' && /does not exist/.test(String(message)))
      throw new SlackDeliveryUnreadable(`stack ${target.stackName} not found in ${region ?? 'the default region'}`, { cause: error });
    if (isAccessDenied(error))
      throw new SlackDeliveryUnreadable(`not allowed to read stack ${target.stackName} (cloudformation:DescribeStacks)`, { cause: error });
    throw new SlackDeliveryUnreadable(shortReason(error, target), { cause: error });
  }
  // Execution names are unique per state machine only: another stack's table could hold the same name.
  const machine = outputs?.find((output) => output.OutputKey === STACK_OUTPUTS.stateMachineArn)?.OutputValue;
  if (machine !== undefined && machine !== stateMachineArnOf(executionArn))
    throw new SlackDeliveryUnreadable(`the execution is not of stack ${target.stackName}'s approval state machine (pass its --stack-name)`);
  const tableName = outputs?.find((output) => output.OutputKey === TABLE_OUTPUT)?.OutputValue;
  if (tableName === undefined)
    throw new SlackDeliveryUnreadable(`stack ${target.stackName} has no ${TABLE_OUTPUT} output (deployed without a Slack app?)`);
  return {
    dynamodb: deps.createDynamoDbClient(config),
    tableName,
    explain: (error) => deployedQueryFailure(error, target, tableName, region),
  };
}

function localDynamoDbEndpoint(env: TargetDependencies['env']): string {
  let port: number;
  try {
    port = localPort(env, 'dynamodb');
  } catch (error) {
    if (error instanceof LocalPortError) throw new SlackDeliveryUnreadable(error.message, { cause: error });
    throw error;
  }
  // 0 lets `npm start` pick a free port; only the port it picked leads to the table.
  if (port === 0) throw new SlackDeliveryUnreadable(`${LOCAL_PORT_ENV.dynamodb}=0: set it to the port the local DynamoDB listens on`);
  return localUrl(env, port);
}

function localFailure(error: unknown, target: LocalTarget, endpoint: string): SlackDeliveryUnreadable {
  if (isConnectionRefused(error)) {
    return new SlackDeliveryUnreadable(
      `the local DynamoDB is not running at ${endpoint} (set ${LOCAL_PORT_ENV.dynamodb} if it runs on another port)`,
      { cause: error },
    );
  }
  return new SlackDeliveryUnreadable(shortReason(error, { ...target, endpoint }), { cause: error });
}

/** The local stack names each table `<stackName>-<logicalId>`, and the table's logical id holds SlackMessagesTable. */
async function localTable(target: LocalTarget, deps: TargetDependencies): Promise<SlackMessagesTable> {
  const endpoint = localDynamoDbEndpoint(deps.env);
  const dynamodb = deps.createDynamoDbClient(localClientConfig(target, endpoint));
  const prefix = `${target.stackName}-`;
  let startName: string | undefined;
  try {
    // ListTables answers a page of names and LastEvaluatedTableName while more remain
    // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html).
    do {
      const page = await dynamodb.send(new ListTablesCommand(startName === undefined ? {} : { ExclusiveStartTableName: startName }));
      const tableName = page.TableNames?.find((name) => name.startsWith(prefix) && name.slice(prefix.length).includes(TABLE_OUTPUT));
      if (tableName !== undefined) return { dynamodb, tableName, explain: (error) => localFailure(error, target, endpoint) };
      startName = page.LastEvaluatedTableName;
    } while (startName !== undefined);
  } catch (error) {
    throw localFailure(error, target, endpoint);
  }
  throw new SlackDeliveryUnreadable(`the local DynamoDB at ${endpoint} has no ${TABLE_OUTPUT} table of stack ${target.stackName}`);
}

/**
 * Reads where each approver of the execution was reached: the table comes from the deployed stack's
 * SlackMessagesTable output (in the region of the execution ARN), or from the local DynamoDB's
 * tables. Any failure to find or read it becomes a note, never an error of the command.
 */
export async function readSlackDelivery(
  target: Target,
  deps: TargetDependencies,
  executionArn: string,
  executionName: string,
): Promise<SlackDelivery> {
  const region = target.kind === 'local' ? target.region : (regionOfArn(executionArn) ?? target.region);
  try {
    const table = target.kind === 'local' ? await localTable(target, deps) : await deployedTable(target, deps, region, executionArn);
    try {
      return { kind: 'read', records: await new SlackMessageStore(table.dynamodb, table.tableName).ofExecution(executionName) };
    } catch (error) {
      throw table.explain(error);
    }
  } catch (error) {
    if (error instanceof SlackDeliveryUnreadable) return { kind: 'not-shown', note: error.message };
    throw error;
  }
}

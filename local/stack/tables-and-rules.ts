import { LocalStackError } from './errors';
import { functionVariables } from './function-from-template';
import { type CloudFormationTemplate, resourcesOfType } from './synthesized-stack';
import { slotTablesOf } from './worker-from-template';

/**
 * What the local stack serves of a template's DynamoDB tables and EventBridge rules, read with
 * generic rules only (nothing here knows the product's names).
 */

/** A table the local DynamoDB serves: its logical id, its local name and its key. */
export interface ServedTable {
  readonly logicalId: string;
  /** `<stack>-<logical id>`, as CloudFormation names a table without a random suffix. */
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly partitionKeyType: 'S' | 'N' | 'B';
  readonly sortKeyType?: 'S' | 'N' | 'B';
}

/**
 * The tables a function plays itself: a variable `<NAME>_TABLE` naming the table beside a whole
 * number `<NAME>` (the worker's slots, whose bound the local runner keeps in memory; see
 * slotCountOf in worker-from-template.ts). Those stay blank for the functions.
 */
function tablesPlayedByTheRunner(template: CloudFormationTemplate): Set<string> {
  return new Set(
    resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([, properties]) =>
      slotTablesOf(template, functionVariables(properties)).map((slots) => slots.tableId),
    ),
  );
}

/** The template's tables for the local DynamoDB: every table but those the runner plays. */
export function servedTables(template: CloudFormationTemplate, stackName: string): ServedTable[] {
  const played = tablesPlayedByTheRunner(template);
  return resourcesOfType(template, 'AWS::DynamoDB::Table')
    .filter(([id]) => !played.has(id))
    .map(([logicalId, properties]) => {
      const keySchema = (properties.KeySchema ?? []) as Array<{ AttributeName?: unknown; KeyType?: unknown }>;
      const definitions = (properties.AttributeDefinitions ?? []) as Array<{ AttributeName?: unknown; AttributeType?: unknown }>;
      const keyOf = (type: string): string | undefined => {
        const name = keySchema.find((key) => key.KeyType === type)?.AttributeName;
        return typeof name === 'string' ? name : undefined;
      };
      const typeOf = (name: string): 'S' | 'N' | 'B' => {
        const type = definitions.find((definition) => definition.AttributeName === name)?.AttributeType;
        if (type !== 'S' && type !== 'N' && type !== 'B')
          throw new LocalStackError(`The table ${logicalId}'s key ${name} has no attribute type S, N or B in AttributeDefinitions.`);
        return type;
      };
      const partitionKey = keyOf('HASH');
      if (partitionKey === undefined) throw new LocalStackError(`The table ${logicalId} has no partition (HASH) key.`);
      const sortKey = keyOf('RANGE');
      return {
        logicalId,
        name: `${stackName}-${logicalId}`,
        partitionKey,
        partitionKeyType: typeOf(partitionKey),
        ...(sortKey === undefined ? {} : { sortKey, sortKeyType: typeOf(sortKey) }),
      };
    });
}

/** A rule of the template that matches events (not a schedule) and the functions it runs. */
export interface TemplateEventRule {
  readonly logicalId: string;
  /** The bus's name; `default` when the rule names none. */
  readonly eventBusName: string;
  /** As the template writes it: it may refer to other resources (Ref, Fn::GetAtt), resolved once they exist. */
  readonly eventPattern: unknown;
  /** Each target's id and the logical id of the Lambda function it runs. */
  readonly targets: ReadonlyArray<{ readonly id: string; readonly functionId: string }>;
}

/** A rule the local mode cannot serve, and why; the stack starts without it. */
export interface SkippedEventRule {
  readonly logicalId: string;
  readonly reason: string;
}

/**
 * The rules with an event pattern whose targets are functions of the template, and those it
 * cannot serve. A schedule rule is the runner's business (the worker's safety-net schedule). A
 * rule on a bus named by reference, or with a target that is not a function of the template (a
 * queue, a topic, another account's bus), cannot run here: it is skipped and named, so that a
 * team's stack with such rules beside the approval still starts.
 */
export function eventRules(template: CloudFormationTemplate): { served: TemplateEventRule[]; skipped: SkippedEventRule[] } {
  const functions = new Set(resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id));
  const served: TemplateEventRule[] = [];
  const skipped: SkippedEventRule[] = [];
  for (const [logicalId, properties] of resourcesOfType(template, 'AWS::Events::Rule')) {
    if (properties.EventPattern === undefined) continue;
    const busName = properties.EventBusName;
    if (busName !== undefined && typeof busName !== 'string') {
      skipped.push({ logicalId, reason: 'its bus is named by a reference; the local mode serves named buses only' });
      continue;
    }
    const targets = ((properties.Targets ?? []) as Array<{ Id?: unknown; Arn?: unknown }>).map((target) => {
      const getAtt = (target.Arn as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
      const functionId = Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
      return { id: String(target.Id), functionId: functionId !== undefined && functions.has(functionId) ? functionId : undefined };
    });
    const notFunctions = targets.filter((target) => target.functionId === undefined).map((target) => target.id);
    if (notFunctions.length > 0) {
      skipped.push({ logicalId, reason: `its target ${notFunctions.join(', ')} is not a Lambda function of the template` });
      continue;
    }
    served.push({
      logicalId,
      eventBusName: busName ?? 'default',
      eventPattern: properties.EventPattern,
      targets: targets.map((target) => ({ id: target.id, functionId: target.functionId ?? '' })),
    });
  }
  return { served, skipped };
}

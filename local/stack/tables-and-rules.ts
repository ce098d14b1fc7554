import { LocalStackError } from './errors';
import { functionVariables } from './function-from-template';
import { type CloudFormationTemplate, resourcesOfType } from './synthesized-stack';

/**
 * What the local stack serves of a template's DynamoDB tables and EventBridge rules, read with
 * generic rules only (nothing here knows the product's names).
 */

const TABLE_VARIABLE_SUFFIX = '_TABLE';

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
  const played = new Set<string>();
  for (const [, properties] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const variables = functionVariables(properties);
    for (const [name, value] of Object.entries(variables)) {
      const ref = (value as { Ref?: unknown } | null)?.Ref;
      if (!name.endsWith(TABLE_VARIABLE_SUFFIX) || typeof ref !== 'string') continue;
      const count = Number(variables[name.slice(0, -TABLE_VARIABLE_SUFFIX.length)]);
      if (Number.isInteger(count) && count > 0) played.add(ref);
    }
  }
  return played;
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

/**
 * The rules with an event pattern whose targets are functions of the template. A schedule rule is
 * the runner's business (the worker's safety-net schedule); a target that is not a function of the
 * template cannot run here and is refused by name, so that nothing is silently dropped.
 */
export function eventRules(template: CloudFormationTemplate): TemplateEventRule[] {
  const functions = new Set(resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id));
  return resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, properties]) => properties.EventPattern !== undefined)
    .map(([logicalId, properties]) => {
      const busName = properties.EventBusName;
      if (busName !== undefined && typeof busName !== 'string')
        throw new LocalStackError(
          `The rule ${logicalId} names its bus with ${JSON.stringify(busName)}; the local mode serves named buses only.`,
        );
      const targets = ((properties.Targets ?? []) as Array<{ Id?: unknown; Arn?: unknown }>).map((target) => {
        const getAtt = (target.Arn as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
        const functionId = Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
        if (functionId === undefined || !functions.has(functionId)) {
          throw new LocalStackError(
            `The rule ${logicalId}'s target ${String(target.Id)} is not a Lambda function of the template; the local mode runs only those.`,
          );
        }
        return { id: String(target.Id), functionId };
      });
      return { logicalId, eventBusName: busName ?? 'default', eventPattern: properties.EventPattern, targets };
    });
}

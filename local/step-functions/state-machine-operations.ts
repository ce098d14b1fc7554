import type {
  CreateStateMachineInput,
  CreateStateMachineOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
} from '@aws-sdk/client-sfn';
import { type ArnScope, parseArn, stateMachineArn } from './arns';
import { prepareDefinition } from './definition';
import { StepFunctionsApiError } from './errors';
import type { RegisteredStateMachine } from './execution';
import { MAX_ARN_LENGTH, MAX_DEFINITION_LENGTH, MAX_NEXT_TOKEN_LENGTH } from './limits';
import { MAX_PAGE_SIZE, paginate } from './pagination';
import { optionalEnum, optionalInteger, optionalString, requiredString, resourceName } from './request-fields';

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

/**
 * The state machines of the endpoint (STANDARD only) and the operations on them: CreateStateMachine,
 * DescribeStateMachine, ListStateMachines.
 */
export class StateMachineOperations {
  private readonly stateMachines = new Map<string, RegisteredStateMachine>();

  constructor(
    private readonly scope: ArnScope,
    private readonly log: (line: string) => void,
  ) {}

  createStateMachine(input: CreateStateMachineInput): CreateStateMachineOutput {
    const name = resourceName(input, 'name');
    const definition = requiredString(input, 'definition', { max: MAX_DEFINITION_LENGTH });
    const roleArn = requiredString(input, 'roleArn', { max: MAX_ARN_LENGTH });
    if (!IAM_ROLE_ARN.test(roleArn)) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${roleArn}' is not an IAM role ARN.`);
    if (optionalEnum(input, 'type', ['STANDARD', 'EXPRESS']) === 'EXPRESS') {
      throw new StepFunctionsApiError('StateMachineTypeNotSupported', 'This local endpoint runs STANDARD state machines only.');
    }
    const prepared = prepareDefinition(definition);
    const arn = stateMachineArn(this.scope, name);
    const existing = this.stateMachines.get(arn);
    if (existing !== undefined) {
      if (existing.definition === definition && existing.roleArn === roleArn)
        return { stateMachineArn: arn, creationDate: existing.creationDate };
      throw new StepFunctionsApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    this.stateMachines.set(arn, { arn, name, definition, roleArn, creationDate: new Date(), prepared });
    this.log(`state machine ${name} created`);
    return { stateMachineArn: arn, creationDate: this.get(arn).creationDate };
  }

  describeStateMachine(input: DescribeStateMachineInput): DescribeStateMachineOutput {
    const machine = this.get(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: machine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(input: ListStateMachinesInput): ListStateMachinesOutput {
    const page = paginate(
      [...this.stateMachines.values()],
      'stateMachines',
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return {
      stateMachines: page.items.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: machine.creationDate,
      })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  /** The state machine of an ARN, or the service's refusal. */
  get(arn: string): RegisteredStateMachine {
    parseArn(arn, 'stateMachine');
    const machine = this.stateMachines.get(arn);
    if (machine === undefined) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }
}

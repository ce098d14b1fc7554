import { CLICK_STACK_CONTEXT, clickStatistics, describeClickSequenceProperties } from '../support/properties/click-sequences';
import { describeDecisionTemplateProperties } from '../support/properties/decision-templates';
import { describeExecutionInputProperties } from '../support/properties/execution-inputs';
import { useLocalStack } from '../support/use-local-stack';
import { results } from './suite-collector';

// The property-based tests of `npm test`, with thousands of cases each. Part of the fault suite:
// run through local-stack-faults.test.ts. The click stacks stay out of the suite's log collector:
// their thousands of tokens would make the log check quadratic, and test/local covers their logs.

describe('property-based: thousands of random cases', () => {
  describe('a click becomes exactly the Step Functions call it stands for', () => {
    describeDecisionTemplateProperties('faults');
  });

  describe('any execution input ends in a defined outcome', () => {
    describeExecutionInputProperties('faults');
  });

  describe('random clicks on direct links end with exactly one decision', () => {
    const local = useLocalStack({ context: CLICK_STACK_CONTEXT });
    describeClickSequenceProperties('faults', local, 'direct');
  });

  describe('random clicks on confirm links end with exactly one decision', () => {
    const local = useLocalStack({ context: { ...CLICK_STACK_CONTEXT, linkMode: 'confirm' } });
    describeClickSequenceProperties('faults', local, 'confirm');
  });

  afterAll(() => {
    results.clickProperties = { ...clickStatistics };
  });
});

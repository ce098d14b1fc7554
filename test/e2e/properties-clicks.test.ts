import { CLICK_STACK_CONTEXT, describeClickSequenceProperties } from '../support/properties/click-sequences';
import { useLocalStack } from '../support/use-local-stack';

// Property-based: random click sequences (approve, reject, repeats, clicks at the same time, on one
// or several approvers' links, under "any" and "all") on requests of random shapes, on one local
// stack. `npm run test:faults` runs many more, in both link modes.
describe('property: random clicks end with exactly one decision', () => {
  const local = useLocalStack({ context: CLICK_STACK_CONTEXT });

  describeClickSequenceProperties('test', local, 'direct');
});

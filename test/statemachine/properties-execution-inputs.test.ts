import { describeExecutionInputProperties } from '../support/properties/execution-inputs';

// Property-based: random execution inputs through the state machine, run in-process with the real
// request check and the real task handling of the worker. `npm run test:faults` runs many more cases.
describe('property: any execution input ends in a defined outcome', () => {
  describeExecutionInputProperties('test');
});

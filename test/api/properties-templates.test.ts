import { describeDecisionTemplateProperties } from '../support/properties/decision-templates';

// Property-based: random tokens, user agents, comments and extra fields through the synthesized
// request templates. `npm run test:faults` runs the same properties with many more cases.
describe('property: a click becomes exactly the Step Functions call it stands for', () => {
  describeDecisionTemplateProperties('test');
});

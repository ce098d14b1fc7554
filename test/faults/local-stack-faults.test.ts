/**
 * Fault, abuse and load tests on the local stack (`npm run test:faults`). The subjects live in the
 * `*.faults.ts` files beside this one, and jest runs them as this one test file, in the order they
 * are imported here: so every log line of every stack lands in one collector (suite-collector.ts),
 * and the last subject looks for task tokens in all of them. To run one subject, filter by its
 * describe name, e.g. `npm run test:faults -- -t 'hostile tokens'` (the log check runs with the
 * whole suite only). Numbers worth keeping are written to test/faults/results/ (not committed).
 */
import { writeResults } from './suite-collector';
import './worker-and-ses.faults';
import './click-races.faults';
import './hostile-tokens-and-inputs.faults';
import './load.faults';
import './properties.faults';
import './no-token-in-logs.faults';

afterAll(writeResults);

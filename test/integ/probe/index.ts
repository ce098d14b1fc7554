import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { POLL_HOLD_MS } from '../../../functions/approval-worker/drain-activity-tasks';
import { runClickScenario } from './click-scenario';
import { readProbeConfig } from './config';
import { runDeliveryScenario } from './delivery-scenario';
import { openLink } from './open-link';
import type { ProbeEvent, ProbeSummary } from './summary';

const config = readProbeConfig(process.env);
// The socket must outlive GetActivityTask's 60-second long poll: a task handed to an aborted poll is lost.
const sfn = new SFNClient({ requestHandler: { requestTimeout: POLL_HOLD_MS + 10_000, connectionTimeout: 5_000 } });
const dynamodb = new DynamoDBClient({});

/**
 * The integ test's probe on the deployed stack. It returns what it saw, never a task token, so the
 * assertion can run on its answer; it stops every execution it started, whatever happens.
 */
export async function handler(event: ProbeEvent): Promise<ProbeSummary> {
  let summary: ProbeSummary;
  if (event.scenario === 'clicks') {
    summary = await runClickScenario({ sfn, dynamodb, config, openLink });
  } else if (event.scenario === 'delivery') {
    summary = await runDeliveryScenario({ sfn, config });
  } else {
    throw new Error(`Unknown scenario ${JSON.stringify((event as { scenario?: unknown }).scenario)}: use "clicks" or "delivery".`);
  }
  console.log(JSON.stringify({ message: 'Probe finished', summary }));
  return summary;
}

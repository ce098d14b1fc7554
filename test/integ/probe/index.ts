import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { POLL_HOLD_MS } from '../../../functions/approval-worker/drain-activity-tasks';
import { runClickScenario } from './click-scenario';
import { runClockScenario } from './clock-scenario';
import { CONFIRM_ENV_PREFIX, readProbeConfig } from './config';
import { runConfirmScenario } from './confirm-scenario';
import { runDeliveryScenario } from './delivery-scenario';
import { fetchPage, openLink } from './open-link';
import { runAllScenario, runAnyScenario } from './policy-scenarios';
import { PROBE_SCENARIOS, type ProbeEvent, type ProbeSummary } from './summary';

const config = readProbeConfig(process.env);
const confirmConfig = readProbeConfig(process.env, CONFIRM_ENV_PREFIX);
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
  } else if (event.scenario === 'any') {
    summary = await runAnyScenario({ sfn, dynamodb, config, openLink });
  } else if (event.scenario === 'all') {
    summary = await runAllScenario({ sfn, dynamodb, config, openLink });
  } else if (event.scenario === 'confirm') {
    summary = await runConfirmScenario({ sfn, dynamodb, config: confirmConfig, fetchPage });
  } else if (event.scenario === 'clock') {
    summary = await runClockScenario({ sfn, dynamodb, config: confirmConfig });
  } else if (event.scenario === 'delivery') {
    summary = await runDeliveryScenario({ sfn, config });
  } else {
    const scenario = JSON.stringify((event as { scenario?: unknown }).scenario);
    throw new Error(`Unknown scenario ${scenario}: use one of ${PROBE_SCENARIOS.map((name) => `"${name}"`).join(', ')}.`);
  }
  console.log(JSON.stringify({ message: 'Probe finished', summary }));
  return summary;
}

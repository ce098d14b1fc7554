import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';

// Synthesizing the CDK app takes a few seconds.
jest.setTimeout(90_000);

/**
 * Step Functions allows bidirectional controls in an execution name, so whoever starts an execution
 * can pick one that reads differently from what it is. The local stack logs execution names (its
 * Step Functions endpoint, the worker's log lines): none of its lines may carry such a character
 * raw, where a terminal would obey it.
 */

const local = useLocalStack();

const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb]/;

it('logs an execution whose name holds bidirectional controls with them escaped, and emails without them', async () => {
  const approver = uniqueManager('bidi-name');
  const name = `release-\u202e24\u202c-\u2067${process.pid}\u2069`;
  const { executionArn } = await local.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: local.stack.stateMachineArn,
      name,
      input: JSON.stringify({ approvers: [approver], subject: 'Deploy release 42' }),
    }),
  );
  const [email] = await waitForEmails(local.stack, approver);
  await local.sfn.send(new StopExecutionCommand({ executionArn }));
  await waitForEnd(local.sfn, executionArn ?? '');

  const lines = local.logs.filter((line) => line.includes('release-'));
  expect(lines.some((line) => line.startsWith('[step-functions]') && line.includes('release-\\u202e24\\u202c-\\u2067'))).toBe(true);
  expect(lines.some((line) => line.startsWith('[worker]') && line.includes('release-'))).toBe(true);
  expect(local.logs.filter((line) => HIDDEN.test(line))).toEqual([]);
  expect(`${email?.subject}${email?.body.text}${email?.body.html}`).not.toMatch(HIDDEN);
  expect(email?.body.text).toContain(`Request: release-24-${process.pid}`);
});

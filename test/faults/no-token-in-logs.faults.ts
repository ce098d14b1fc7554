import { taskReference } from '../../functions/approval-worker/drain-activity-tasks';
import { tally } from './fault-harness';
import { capturedLogs, emailedTaskTokens, results, seenTaskTokens } from './suite-collector';

// The last subject of the fault suite (run through local-stack-faults.test.ts): it reads what every
// stack of the earlier subjects logged and every token they saw, from the shared suite collector.

describe('7. no task token in any log', () => {
  it('no token, URL-encoded token (once or twice) or token prefix appears in any log line of any component of any stack', () => {
    const byComponent = tally(capturedLogs.map((entry) => entry.component));
    const byStack = tally(capturedLogs.map((entry) => entry.stack));
    const text = capturedLogs.map((entry) => entry.line).join('\n');
    const workerText = capturedLogs
      .filter((entry) => entry.component === 'worker')
      .map((entry) => entry.line)
      .join('\n');
    const tokens = [...seenTaskTokens];
    results.logCheck = { lines: capturedLogs.length, byComponent, byStack, tokens: tokens.length, emailedTokens: emailedTaskTokens.size };

    // Not vacuous: thousands of lines from every component of every stack, and the worker's lines
    // name every emailed task by its fingerprint.
    expect(capturedLogs.length).toBeGreaterThan(2_000);
    for (const component of ['stack', 'step-functions', 'api', 'worker'])
      expect(byComponent[component] ?? 0).toBeGreaterThan(component === 'stack' ? 3 : 20);
    expect(Object.keys(byStack).sort()).toEqual(['clicks', 'hostile', 'load', 'ses-faults', 'worker-dies']);
    expect(tokens.length).toBeGreaterThan(520);
    expect(tokens.every((token) => token.length > 500)).toBe(true);
    expect([...emailedTaskTokens].filter((token) => !workerText.includes(taskReference(token))).map(taskReference)).toEqual([]);

    // Each token as it travels in a request line: plain, URL-encoded once or twice (a path with its ?
    // percent-encoded carries it so), or its start in any of these forms.
    const forms = (token: string): string[] => {
      const encoded = encodeURIComponent(token);
      return [token, encoded, encodeURIComponent(encoded), token.slice(0, 32), encoded.slice(0, 32)];
    };
    const leaks = tokens
      .filter((token) => forms(token).some((form) => text.includes(form)))
      .map((token) => `taskRef ${taskReference(token)}`);
    expect(leaks).toEqual([]);
  });
});

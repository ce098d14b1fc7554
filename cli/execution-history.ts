import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

// The API's largest page: a request with many approvers and reminders has a few hundred events.
const PAGE_SIZE = 1_000;

/** Every event of one execution, oldest first. */
export async function readExecutionHistory(sfn: SFNClient, executionArn: string, abortSignal?: AbortSignal): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: PAGE_SIZE, nextToken, includeExecutionData: true }),
      abortSignal ? { abortSignal } : {},
    );
    // A stub that knows no history answers nothing at all; that is an empty history.
    events.push(...(page?.events ?? []));
    nextToken = page?.nextToken;
  } while (nextToken);
  return events;
}

import { StepFunctionsApiError } from './errors';

/** Page size when maxResults is absent or 0, as the List* and GetExecutionHistory operations do. */
const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/**
 * One page of a listing. The token names the listing and the offset, so a token from another
 * listing or a made-up one is refused (InvalidToken, as the service answers).
 */
export function paginate<T>(items: readonly T[], listing: string, maxResults: number | undefined, nextToken: string | undefined): Page<T> {
  let offset = 0;
  if (nextToken !== undefined) {
    const [tokenListing, tokenOffset] = Buffer.from(nextToken, 'base64url').toString('utf8').split('\n');
    offset = Number(tokenOffset);
    if (tokenListing !== listing || !Number.isInteger(offset) || offset < 0 || offset > items.length) {
      throw new StepFunctionsApiError('InvalidToken', 'Invalid Token: the nextToken does not belong to this listing.');
    }
  }
  const size = maxResults === undefined || maxResults === 0 ? DEFAULT_PAGE_SIZE : maxResults;
  const end = offset + size;
  const page = items.slice(offset, end);
  return end < items.length ? { items: page, nextToken: Buffer.from(`${listing}\n${end}`, 'utf8').toString('base64url') } : { items: page };
}

export interface DecisionLinks {
  readonly approveUrl: string;
  readonly rejectUrl: string;
}

/**
 * Builds the Approve / Reject links for one task token.
 *
 * Tokens hold `+`, `/` and `=`; API Gateway URL-decodes query strings (a raw `+` would arrive as a
 * space), so the token is percent-encoded with encodeURIComponent and survives byte for byte.
 */
export function buildDecisionLinks(apiUrl: string, taskToken: string): DecisionLinks {
  const base = apiUrl.replace(/\/+$/, '');
  const query = `taskToken=${encodeURIComponent(taskToken)}`;
  return {
    approveUrl: `${base}/succeed?${query}`,
    rejectUrl: `${base}/fail?${query}`,
  };
}

/**
 * The approval API's route for each decision, below the stage URL: the links lead there and the
 * stack serves them (infra/constructs/approval-api.ts). Here, not in infra/, because the worker's
 * bundle builds the links and must not pull in the CDK.
 */
export const DECISION_ROUTES = { approved: 'succeed', rejected: 'fail' } as const;

export interface DecisionLinks {
  readonly approveUrl: string;
  readonly rejectUrl: string;
}

/**
 * Builds the Approve / Reject links for one task token. The links carry the token and nothing
 * else: the confirmation page of `confirm` link mode shows no request text, since anything a link
 * carried, its holder could change.
 *
 * Tokens hold `+`, `/` and `=`; API Gateway URL-decodes query strings (a raw `+` would arrive as a
 * space), so the token is percent-encoded with encodeURIComponent and survives byte for byte.
 */
export function buildDecisionLinks(apiUrl: string, taskToken: string): DecisionLinks {
  const base = apiUrl.replace(/\/+$/, '');
  const query = `taskToken=${encodeURIComponent(taskToken)}`;
  return {
    approveUrl: `${base}/${DECISION_ROUTES.approved}?${query}`,
    rejectUrl: `${base}/${DECISION_ROUTES.rejected}?${query}`,
  };
}

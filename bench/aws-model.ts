/**
 * The latencies `npm run bench` adds to the local stack to model AWS, and where each figure comes
 * from. They are typical values, not guarantees: the point is that the worker's drain rate must come
 * from its send-rate bound, not from how fast one call returns.
 */
export const AWS_MODEL = {
  /**
   * SES v2 SendEmail, client-side round trip from a Lambda in the same region: 40 to 80 ms is what
   * SES users report for single sends (the SES quotas page bounds the rate, not the latency); 60 ms
   * is the middle.
   */
  sesSendMs: 60,
  /**
   * Each Step Functions API call (GetActivityTask handing over a waiting task, SendTaskFailure,
   * StartExecution) from within the region: tens of milliseconds for these small JSON calls; 25 ms.
   */
  stepFunctionsCallMs: 25,
  /**
   * Extra time of a Lambda instance's first invocation (a cold start) for a Node.js 24 function of
   * about 50 KB bundled with the AWS SDK v3 clients at 128 MB: 200 to 300 ms init duration, as
   * reported in the function's REPORT log lines; 250 ms.
   */
  coldStartMs: 250,
} as const;

import type fc from 'fast-check';

/**
 * How many cases each property-based test tries: a few hundred in `npm test`, thousands in
 * `npm run test:faults`. Each entry file names its suite, so one property runs at both sizes; CI,
 * which runs both suites, runs each property at the larger size only (see jest.config.js).
 */
export type PropertySuite = 'test' | 'faults';

export type PropertyName = 'templates' | 'executionInputs' | 'clickSequences';

interface Size {
  readonly runs: number;
  /**
   * Time for the runs and, after a failure, for shrinking it. Many times what the runs take on an
   * idle machine: a failure found late can take long to shrink, and what was shrunk by then is
   * reported. Running out of time without a failure fails the test too, so that fewer cases than
   * asked for never pass unnoticed.
   */
  readonly budgetMs: number;
}

const SIZES: Readonly<Record<PropertyName, Readonly<Record<PropertySuite, Size>>>> = {
  // Per route and mode: each case renders one synthesized request template (about 10 ms).
  templates: { test: { runs: 300, budgetMs: 60_000 }, faults: { runs: 1_000, budgetMs: 400_000 } },
  // Each case runs the state machine in-process with the real check and worker (about 10 to 30 ms).
  executionInputs: { test: { runs: 200, budgetMs: 90_000 }, faults: { runs: 2_000, budgetMs: 600_000 } },
  // Each case is a batch of requests on the local stack and their clicks.
  clickSequences: { test: { runs: 25, budgetMs: 120_000 }, faults: { runs: 100, budgetMs: 600_000 } },
};

function size(property: PropertyName, suite: PropertySuite): Size {
  const planned = SIZES[property][suite];
  const override = Number(process.env.APPROVAL_PROPERTY_RUNS);
  if (!Number.isInteger(override) || override <= 0) return planned;
  return { runs: override, budgetMs: Math.max(planned.budgetMs, (planned.budgetMs * override) / planned.runs) };
}

/** The number of cases of a property in a suite. APPROVAL_PROPERTY_RUNS replaces it, to try more or fewer. */
export function propertyRuns(property: PropertyName, suite: PropertySuite): number {
  return size(property, suite).runs;
}

/** The jest timeout of a property's test: its budget and a margin for setting up. */
export function propertyTimeoutMs(property: PropertyName, suite: PropertySuite): number {
  return size(property, suite).budgetMs + 60_000;
}

/**
 * The fast-check parameters of one property. A failure prints its seed and path; set
 * APPROVAL_PROPERTY_SEED and APPROVAL_PROPERTY_PATH to replay exactly that case.
 */
export function propertyParameters<T>(property: PropertyName, suite: PropertySuite): fc.Parameters<T> {
  const { runs, budgetMs } = size(property, suite);
  const seed = process.env.APPROVAL_PROPERTY_SEED;
  const path = process.env.APPROVAL_PROPERTY_PATH;
  return {
    numRuns: runs,
    interruptAfterTimeLimit: budgetMs,
    markInterruptAsFailure: true,
    ...(seed === undefined || seed === '' ? {} : { seed: Number(seed) }),
    ...(path === undefined || path === '' ? {} : { path, endOnFailure: true }),
  };
}

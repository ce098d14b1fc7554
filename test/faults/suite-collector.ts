import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalComponent } from '../../local/stack/local-stack';

/**
 * What the whole fault suite collects, across its subject files: every log line of every component
 * of every stack, every task token the suite has seen, and the numbers worth keeping. It is shared
 * because jest loads the subject files into one test file (local-stack-faults.test.ts), so one
 * module instance serves them all and the last subject can look for tokens in every stack's logs.
 */
export interface CapturedLine {
  readonly stack: string;
  readonly component: LocalComponent;
  readonly line: string;
}

export const capturedLogs: CapturedLine[] = [];
export const seenTaskTokens = new Set<string>();
/** Tokens the worker emailed (so it logged their taskRef), as opposed to tokens the suite took itself. */
export const emailedTaskTokens = new Set<string>();

/** Numbers worth keeping, written to test/faults/results/faults.json (not committed) after the suite. */
export const results: Record<string, unknown> = {};

const RESULTS_DIR = path.join(__dirname, 'results');

export function writeResults(): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'faults.json'), `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');

/** One lint of a case: what the rule said, and how many errors. */
interface Linted {
  readonly errorCount: number;
  readonly messages: readonly string[];
}

/**
 * Lints each `[filename, source]` as if the source were that file of this repository, with the
 * boundary rule alone (tools/eslint-boundaries.mjs, which `npm run lint` includes), all in one ESLint
 * process: the rule's config is an ES module, which this suite's CommonJS cannot load itself.
 */
async function lintAll(cases: ReadonlyArray<readonly [string, string]>): Promise<Linted[]> {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)}, overrideConfigFile: 'tools/eslint-boundaries.mjs' });
      const linted = [];
      for (const [filePath, code] of JSON.parse(process.argv[1])) {
        const [result] = await eslint.lintText(code, { filePath });
        linted.push({ errorCount: result.errorCount, messages: result.messages.map((message) => message.message) });
      }
      process.stdout.write(JSON.stringify(linted));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: ROOT });
  return JSON.parse(stdout) as Linted[];
}

const VIOLATIONS: ReadonlyArray<readonly [string, string, string]> = [
  [
    'local/stack/violation.ts',
    "import { readApprovalConfig } from '../../infra/approval-config';",
    'local/ must not import infra/approval-config',
  ],
  [
    'local/violation.ts',
    "import { handler } from '../functions/approval-worker/index';",
    'local/ must not import functions/approval-worker/index',
  ],
  ['local/violation.ts', "import { App } from 'aws-cdk-lib';", 'local/ must not import aws-cdk-lib'],
  ['cli/violation.ts', "import { LOCAL_PORT_ENV } from '../local/ports';", 'cli/ must not import local/ports'],
  [
    'functions/commons/violation.ts',
    "export { APPROVAL_SETTINGS } from '../../infra/approval-config';",
    'functions/ must not import infra/approval-config',
  ],
  ['bench/violation.ts', "const helper = require('../test/support/local-flow');", 'bench/ must not import test/support/local-flow'],
  ['cli/violation.ts', "const ports = import(`../local/${'ports'}`);", 'cli/ must not import local:'],
  [
    'cli/violation.ts',
    "import { startLocalStack } from 'stepfunctions-human-approval-local/stack/local-stack';",
    'cli/ must not import stepfunctions-human-approval-local/stack/local-stack',
  ],
];

const ALLOWED: ReadonlyArray<readonly [string, string]> = [
  ['cli/allowed.ts', "import { startLocalStack } from 'stepfunctions-human-approval-local';"],
  ['local/allowed.ts', "import { MAX_NAME_LENGTH } from '../statemachine/step-functions-limits';"],
  ['infra/allowed.ts', "import { WORKER_ENV } from '../functions/approval-worker/config';"],
];

describe('the boundary rule of `npm run lint`', () => {
  let linted: Linted[] = [];
  beforeAll(async () => {
    linted = await lintAll([...VIOLATIONS.map(([filename, source]) => [filename, source] as const), ...ALLOWED]);
  }, 30_000);

  test.each(VIOLATIONS.map((entry, index) => [...entry, index] as const))(
    'fails on a deliberate violation in %s',
    (_filename, _source, message, index) => {
      const result = linted[index];

      expect(result?.errorCount).toBeGreaterThan(0);
      expect(result?.messages.join('\n')).toContain(message);
    },
  );

  test.each(ALLOWED.map((entry, index) => [...entry, VIOLATIONS.length + index] as const))(
    'lets %s import what its boundary allows',
    (_filename, _source, index) => {
      expect(linted[index]).toEqual({ errorCount: 0, messages: [] });
    },
  );
});

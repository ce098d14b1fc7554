import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

/**
 * Lints `source` as if it were the file `filename` of this repository, with the boundary rule alone
 * (tools/eslint-boundaries.mjs, which `npm run lint` includes).
 */
async function lintAs(filename: string, source: string): Promise<{ exitCode: number; output: string }> {
  const child = promisify(execFile)(
    process.execPath,
    [ESLINT, '-c', 'tools/eslint-boundaries.mjs', '--stdin', '--stdin-filename', filename],
    {
      cwd: ROOT,
    },
  );
  child.child.stdin?.end(source);
  try {
    const { stdout } = await child;
    return { exitCode: 0, output: stdout };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { exitCode: code, output: stdout };
  }
}

describe('the boundary rule of `npm run lint`', () => {
  test.each([
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
  ])(
    'fails on a deliberate violation in %s',
    async (filename, source, message) => {
      const { exitCode, output } = await lintAs(filename, source);

      expect(exitCode).toBe(1);
      expect(output).toContain(message);
    },
    30_000,
  );

  test.each([
    ['cli/allowed.ts', "import { startLocalStack } from 'stepfunctions-human-approval-local';"],
    ['local/allowed.ts', "import { MAX_NAME_LENGTH } from '../statemachine/step-functions-limits';"],
    ['infra/allowed.ts', "import { WORKER_ENV } from '../functions/approval-worker/config';"],
  ])(
    'lets %s import what its boundary allows',
    async (filename, source) => {
      const { exitCode, output } = await lintAs(filename, source);

      expect(output).toBe('');
      expect(exitCode).toBe(0);
    },
    30_000,
  );
});

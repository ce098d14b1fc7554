import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { LocalStack } from '../../local/stack/local-stack';

const APPROVAL_BIN = path.join(__dirname, '..', '..', 'cli', 'bin', 'approval.cjs');

/** Runs the real `approval` CLI against the local stack; resolves with its exit code and output. */
export function approvalCli(stack: LocalStack, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    APPROVAL_LOCAL_SFN_PORT: String(new URL(stack.stepFunctionsUrl).port),
    // The stack's DynamoDB picks a free port: `approval status` reads the table of Slack messages there.
    ...(stack.dynamodbUrl === undefined ? {} : { APPROVAL_LOCAL_DYNAMODB_PORT: String(new URL(stack.dynamodbUrl).port) }),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [APPROVAL_BIN, ...args], { env, timeout: 50_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

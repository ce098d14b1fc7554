import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, UsageError } from './cli-errors';

/** The command that runs a CDK app and its context, as the cdk CLI finds them in the current folder. */
export interface CdkApp {
  readonly command: string;
  readonly context: Readonly<Record<string, unknown>>;
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`${file} is not a JSON object.`);
  return parsed as Record<string, unknown>;
}

/** `NAME=VALUE` pairs of `-c`, as the cdk CLI takes them: values stay strings. */
export function parseContextPairs(pairs: readonly string[], command: string): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`-c / --context takes NAME=VALUE, not ${JSON.stringify(pair)}.`, command);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/**
 * The app to run and its context, as `cdk synth` would take them in `folder`: the command is
 * `app` (else cdk.json's "app"); the context is cdk.context.json, then cdk.json's "context", then
 * the `-c` values, each later one winning.
 */
export function findCdkApp(
  folder: string,
  app: string | undefined,
  contextPairs: Readonly<Record<string, string>>,
  command: string,
): CdkApp {
  const cdkJson = readJsonObject(path.join(folder, 'cdk.json'));
  const cached = readJsonObject(path.join(folder, 'cdk.context.json'));
  const appCommand = app ?? (typeof cdkJson?.app === 'string' ? cdkJson.app : undefined);
  if (appCommand === undefined || appCommand.trim() === '') {
    throw new UsageError(
      `No CDK app to run: pass --app "<command>" (e.g. --app "node app.js"), or run this in the folder of a cdk.json that names its "app".`,
      command,
    );
  }
  const projectContext = cdkJson?.context;
  return {
    command: appCommand,
    context: {
      ...cached,
      ...(typeof projectContext === 'object' && projectContext !== null ? (projectContext as Record<string, unknown>) : {}),
      ...contextPairs,
    },
  };
}

/** A running app command, which a stop request ends. */
export interface RunningApp {
  readonly done: Promise<void>;
  kill(): void;
}

/**
 * Runs the app command into `outdir` as the cdk CLI does: through a shell, with CDK_OUTDIR and the
 * context in CDK_CONTEXT_JSON. Rejects with what the app wrote to stderr when it fails.
 */
export function runCdkApp(app: CdkApp, outdir: string, options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): RunningApp {
  const child = spawn(app.command, {
    shell: true,
    cwd: options.cwd,
    // Its own process group, so that a stop ends the shell and whatever it started (npx, node).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...options.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(app.context),
      // CDK's built-in CloudFormation validation (CDK_VALIDATION, as `cdk synth --no-validation`)
      // costs seconds on every start; `cdk synth` runs it (CI synthesizes each app we ship).
      CDK_VALIDATION: options.env.CDK_VALIDATION ?? 'false',
    },
  });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  };
  // However this process ends, the app's processes end with it.
  process.once('exit', kill);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new CliError(`Cannot run the CDK app \`${app.command}\`: ${error.message}`)));
    child.once('close', (code, signal) => {
      process.off('exit', kill);
      if (code === 0) return resolve();
      const said = (stderr.trim() || stdout.trim()).split('\n').slice(-40).join('\n');
      const how = signal !== null ? `was stopped by ${signal}` : `exited with code ${code}`;
      reject(new CliError(`${said ? `${said}\n` : ''}The CDK app \`${app.command}\` ${how}; nothing was started.`));
    });
  });
  return { done, kill };
}

/**
 * How integ-runner runs an integ test app (its `--app`): runs the app, then labels the cloud
 * assembly with a schema version integ-runner can read.
 *
 * Why: @aws-cdk/integ-runner 2.197.10, the newest release, reads cloud assembly schema 53 at most,
 * and aws-cdk-lib 2.276 writes 55; integ-runner then stops at once ("Maximum schema version
 * supported is 53.x.x, but found 55.0.0"). Schemas 54 and 55 only add things this assembly does not
 * use (compared file by file, see ASSEMBLY_SCHEMA_RELABEL), so relabelling changes no meaning.
 * A version not in the table stops the run: check its additions, or upgrade integ-runner.
 *
 * It also spares integ-runner's second synthesis of a snapshot check: integ-runner 2.197.10 synthesizes
 * the app once to read its test manifest, removes that assembly, and synthesizes it again with the
 * same settings to compare (see REUSE_ASSEMBLY_ENV).
 *
 * Usage: node --require tsx/cjs test/integ/run-integ-app.ts test/integ/integ.<name>.ts
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Schema versions aws-cdk-lib writes -> the version integ-runner 2.197.10 reads. 54 and 55 add, to
 * cloud-assembly.schema.json, a PropertyMutation metadata entry and string items in metadata arrays
 * (this assembly has neither, and integ-runner does not validate metadata), and to
 * integ.schema.json `allowDeleteFailures` and requireApproval `destructive` (not used here);
 * assets.schema.json and the artifact types are unchanged.
 */
export const ASSEMBLY_SCHEMA_RELABEL: Readonly<Record<string, string>> = { '55.0.0': '53.0.0' };

/** Highest schema major version the installed integ-runner reads. */
const RUNNER_SCHEMA_MAJOR = 53;

/** Files of an assembly that carry the schema version at their top level. */
const isVersionedFile = (name: string): boolean =>
  ['manifest.json', 'integ.json', 'cdk.out'].includes(name) || name.endsWith('.assets.json');

export function relabelAssembly(outdir: string): void {
  for (const name of readdirSync(outdir).filter(isVersionedFile)) {
    const file = path.join(outdir, name);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
    const version = document.version;
    if (version === undefined || Number(version.split('.')[0]) <= RUNNER_SCHEMA_MAJOR) continue;
    const readable = ASSEMBLY_SCHEMA_RELABEL[version];
    if (readable === undefined) {
      throw new Error(
        `${file} has cloud assembly schema ${version}: integ-runner reads ${RUNNER_SCHEMA_MAJOR} at most, and this relabelling has not been checked for it. ` +
          'Upgrade @aws-cdk/integ-runner and raise RUNNER_SCHEMA_MAJOR in test/integ/run-integ-app.ts (or drop the relabelling), or compare the schemas and extend ASSEMBLY_SCHEMA_RELABEL.',
      );
    }
    writeFileSync(file, JSON.stringify({ ...document, version: readable }, undefined, name === 'cdk.out' ? undefined : 2));
  }
}

/**
 * A folder of one integ-runner run (run-integ.ts makes it for a snapshot check and removes it after):
 * the first assembly is kept there, and a second request with the same app and the same settings
 * (every CDK_* variable, the context among them) gets a copy of it instead of a synthesis. Once only:
 * any other request synthesizes.
 */
export const REUSE_ASSEMBLY_ENV = 'APPROVAL_INTEG_REUSE_ASSEMBLY_DIR';

/** What the app's assembly depends on besides the sources, which do not change within a run. */
function settingsKey(appFile: string): string {
  const cdkSettings = Object.entries(process.env)
    .filter(([name]) => name.startsWith('CDK_') && name !== 'CDK_OUTDIR')
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ appFile, cdkSettings });
}

/** Copies the kept assembly into outdir and forgets it, when it was made with these settings. */
function reuseKeptAssembly(reuseDir: string, key: string, outdir: string): boolean {
  const kept = path.join(reuseDir, 'assembly');
  const keyFile = path.join(reuseDir, 'settings.json');
  if (!existsSync(kept) || !existsSync(keyFile)) return false;
  const same = readFileSync(keyFile, 'utf8') === key;
  if (same) {
    rmSync(outdir, { recursive: true, force: true });
    cpSync(kept, outdir, { recursive: true });
  }
  rmSync(kept, { recursive: true, force: true });
  rmSync(keyFile, { force: true });
  return same;
}

function main(): number {
  const [appFile] = process.argv.slice(2);
  const outdir = process.env.CDK_OUTDIR;
  if (!appFile || !outdir) {
    console.error('Usage (by integ-runner, which sets CDK_OUTDIR): node --require tsx/cjs test/integ/run-integ-app.ts <integ app file>');
    return 2;
  }
  const reuseDir = process.env[REUSE_ASSEMBLY_ENV];
  const key = settingsKey(appFile);
  if (reuseDir && reuseKeptAssembly(reuseDir, key, outdir)) return 0;
  // The app synthesizes into CDK_OUTDIR (app.synth()).
  const app = spawnSync(process.execPath, ['--require', 'tsx/cjs', appFile], { stdio: 'inherit' });
  if (app.status !== 0) return app.status ?? 1;
  relabelAssembly(outdir);
  if (reuseDir) {
    cpSync(outdir, path.join(reuseDir, 'assembly'), { recursive: true });
    writeFileSync(path.join(reuseDir, 'settings.json'), key);
  }
  return 0;
}

if (require.main === module) process.exitCode = main();

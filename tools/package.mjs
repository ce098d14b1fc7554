#!/usr/bin/env node
// `npm run package`: builds the three installable packages and writes their tarballs (npm pack)
// into dist/packages/:
// - stepfunctions-human-approval (the root): the HumanApproval construct library, compiled with
//   its type declarations, the prebuilt worker and the state machine definition; aws-cdk-lib and
//   constructs are peer dependencies;
// - stepfunctions-human-approval-local (local/): the local emulator, bundled;
// - stepfunctions-human-approval-cli (cli/): the `approval` command, bundled.
// Each package is assembled in dist/stage/<name>/ with a manifest written here from the workspace's
// own: the repository's manifests carry development scripts (patch-package, the worker build) that
// must not run in a team's install.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ASSETS_DIR, buildWorker, PREBUILT_FUNCTIONS } from './build-worker.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(root, 'dist');
const STAGE = path.join(DIST, 'stage');
export const PACKAGES_DIR = path.join(DIST, 'packages');

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file, value) => fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const rootManifest = readJson(path.join(root, 'package.json'));
const manifestOf = (workspace) => readJson(path.join(root, workspace, 'package.json'));

/** What every manifest says alike. */
function commonFields(manifest) {
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: rootManifest.license,
    engines: rootManifest.engines,
  };
}

function step(text) {
  process.stdout.write(`package: ${text}\n`);
}

/** The construct library: tsc output (JavaScript and declarations), the worker asset, the ASL file. */
function stageConstructLibrary() {
  const dir = path.join(STAGE, rootManifest.name);
  const lib = path.join(dir, 'dist', 'lib');
  step(`${rootManifest.name}: compiling the construct library`);
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.lib.json', '--outDir', lib],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  fs.copyFileSync(path.join(root, 'statemachine', 'approval.asl.json'), path.join(lib, 'statemachine', 'approval.asl.json'));
  for (const name of PREBUILT_FUNCTIONS) {
    fs.cpSync(path.join(ASSETS_DIR, name), path.join(dir, 'dist', 'assets', name), { recursive: true });
  }
  for (const file of ['README.md', 'LICENSE']) fs.copyFileSync(path.join(root, file), path.join(dir, file));
  writeJson(path.join(dir, 'package.json'), {
    ...commonFields(rootManifest),
    main: 'dist/lib/infra/index.js',
    types: 'dist/lib/infra/index.d.ts',
    files: ['dist/lib', 'dist/assets', 'README.md', 'LICENSE'],
    peerDependencies: rootManifest.peerDependencies,
  });
  return dir;
}

/**
 * A workspace bundled with esbuild: our code in one file per entry, npm dependencies left to npm,
 * except `inline` ones (the emulator's aws-local-stepfunctions carries a patch from patches/, which
 * a team's install would not apply: bundled, the patched code ships).
 */
async function stageBundled(workspace, { entries, inline = [], alias = {}, check, bin, main }) {
  const manifest = manifestOf(workspace);
  const dir = path.join(STAGE, manifest.name);
  step(`${manifest.name}: bundling ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
  const dependencies = Object.fromEntries(Object.entries(manifest.dependencies ?? {}).filter(([name]) => !inline.includes(name)));
  await build({
    entryPoints: Object.fromEntries(entries.map(([out, source]) => [out, path.join(root, source)])),
    outdir: path.join(dir, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // tsx runs the sources in this repository only (local/own-entry.ts); the bundle never loads it.
    external: [...Object.keys(dependencies), 'tsx'],
    alias,
    logLevel: 'warning',
    legalComments: 'none',
  });
  check?.(dir);
  if (bin) {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bin', 'approval.cjs'), bin);
    fs.chmodSync(path.join(dir, 'bin', 'approval.cjs'), 0o755);
  }
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
  writeJson(path.join(dir, 'package.json'), {
    ...commonFields(manifest),
    ...(main ? { main } : {}),
    ...(bin ? { bin: { approval: 'bin/approval.cjs' } } : {}),
    files: ['dist', ...(bin ? ['bin'] : []), 'LICENSE'],
    dependencies,
  });
  return dir;
}

const PATCHED_INTERPRETER = path.join(root, 'node_modules', 'aws-local-stepfunctions', 'build', 'main.node.cjs');

/** Fails the build unless the emulator's bundle carries the patched interpreter (patches/aws-local-stepfunctions+3.0.0.patch). */
function expectPatchedInterpreter(dir) {
  const bundle = fs.readFileSync(path.join(dir, 'dist', 'index.js'), 'utf8');
  if (!bundle.includes('.replace(/\\\\([\'\\\\])/g, "$1")') || bundle.includes('result.replaceAll("\\\\", "")')) {
    throw new Error(
      'The emulator bundle does not carry the patched aws-local-stepfunctions: run npm install (patch-package) and check the alias.',
    );
  }
}

const CLI_BIN = `#!/usr/bin/env node
'use strict';
// The warning is about SDK releases after January 2027, not this install; every CLI run would print it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../dist/approval.js').main();
`;

export async function packageAll() {
  fs.rmSync(STAGE, { recursive: true, force: true });
  fs.rmSync(PACKAGES_DIR, { recursive: true, force: true });
  fs.mkdirSync(PACKAGES_DIR, { recursive: true });
  step('building the worker');
  await buildWorker({ force: true });
  const staged = [
    stageConstructLibrary(),
    await stageBundled('local', {
      // The emulator starts two of its files in processes and threads of their own: bundled, they
      // sit beside index.js, where local/own-entry.ts looks for them.
      entries: [
        ['index', 'local/index.ts'],
        ['worker-process', 'local/worker/worker-process.ts'],
        ['mapping-template-thread-worker', 'local/api-gateway/vtl/mapping-template-thread-worker.ts'],
      ],
      inline: ['aws-local-stepfunctions'],
      // The CommonJS build, which patches/ patches: an import would otherwise resolve to the
      // package's ES module build, which the patch does not touch.
      alias: { 'aws-local-stepfunctions': PATCHED_INTERPRETER },
      check: expectPatchedInterpreter,
      main: 'dist/index.js',
    }),
    await stageBundled('cli', { entries: [['approval', 'cli/approval.ts']], bin: CLI_BIN }),
  ];
  const tarballs = [];
  for (const dir of staged) {
    const output = execFileSync('npm', ['pack', dir, '--pack-destination', PACKAGES_DIR, '--json'], { cwd: root, encoding: 'utf8' });
    const [{ filename, size, entryCount }] = JSON.parse(output);
    tarballs.push(path.join(PACKAGES_DIR, filename));
    step(`wrote dist/packages/${filename} (${entryCount} files, ${(size / 1024).toFixed(0)} KB)`);
  }
  return tarballs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await packageAll();
}

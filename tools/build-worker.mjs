#!/usr/bin/env node
// Builds the Lambda functions' code once, into dist/assets/<function>/: the assets that the
// HumanApproval construct deploys and the package ships, so that a synth (ours or a team's) needs
// neither esbuild nor Docker nor the TypeScript sources. `npm run build:worker` (`-- --force` to
// build even when nothing changed)
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_DIR = path.join(root, 'dist', 'assets');
/** What each build read, so the next one can tell whether anything changed (kept out of the assets, which ship). */
const INPUTS_DIR = path.join(root, 'dist', 'build-inputs');

/** Each function's folder under functions/, which is also its asset's folder under dist/assets/. */
export const PREBUILT_FUNCTIONS = ['approval-worker', 'slack-actions', 'slack-message-closer'];

const outfileOf = (name) => path.join(ASSETS_DIR, name, 'index.js');
const inputsFileOf = (name) => path.join(INPUTS_DIR, `${name}.json`);

/**
 * Whether `outfile` is newer than every file listed in `inputsFile` (paths relative to `baseDir`, as
 * esbuild's metafile names them) and than each of `alsoReadFiles`. False when any of them is missing.
 */
export function isUpToDate(outfile, inputsFile, baseDir, alsoReadFiles = []) {
  try {
    const built = fs.statSync(outfile).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
    const files = [...alsoReadFiles, ...inputs.map((input) => path.resolve(baseDir, input))];
    return files.every((file) => fs.statSync(file).mtimeMs < built);
  } catch {
    return false; // never built, or a file it read is gone
  }
}

/**
 * Whether the asset is newer than every file its last build read (sources and bundled packages
 * alike) and than this script. A changed or added import changes a file the build read, so it is
 * seen too. Building takes a second or more of CPU; `npm start` and every test run ask for it.
 */
const upToDate = (name) => isUpToDate(outfileOf(name), inputsFileOf(name), root, [fileURLToPath(import.meta.url)]);

async function buildFunction(name) {
  const result = await build({
    entryPoints: [path.join(root, 'functions', name, 'index.ts')],
    outfile: outfileOf(name),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    // Stack traces name our files and lines (NODE_OPTIONS=--enable-source-maps); the sources
    // themselves stay out of the map, which keeps the asset small.
    sourcemap: true,
    sourcesContent: false,
    // The AWS SDK is bundled too, not taken from the Lambda runtime: the deployed code is the code
    // tested here, and the local mode can run the asset as it is.
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  fs.mkdirSync(INPUTS_DIR, { recursive: true });
  fs.writeFileSync(inputsFileOf(name), JSON.stringify(Object.keys(result.metafile.inputs)));
}

/** Builds each function whose asset is missing or older than what it is built from; all of them with `force`. */
export async function buildWorker({ force = false } = {}) {
  await Promise.all(PREBUILT_FUNCTIONS.filter((name) => force || !upToDate(name)).map(buildFunction));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWorker({ force: process.argv.includes('--force') });
}

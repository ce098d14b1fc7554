#!/usr/bin/env node
// Builds the Lambda functions' code once, into dist/assets/<function>/: the assets that the
// HumanApproval construct deploys and the package ships, so that a synth (ours or a team's) needs
// neither esbuild nor Docker nor the TypeScript sources. `npm run build:worker`
import { build } from 'esbuild';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_DIR = path.join(root, 'dist', 'assets');

/** Each function's folder under functions/, which is also its asset's folder under dist/assets/. */
export const PREBUILT_FUNCTIONS = ['approval-worker', 'slack-actions'];

function buildFunction(name) {
  return build({
    entryPoints: [path.join(root, 'functions', name, 'index.ts')],
    outfile: path.join(ASSETS_DIR, name, 'index.js'),
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
  });
}

export async function buildWorker() {
  await Promise.all(PREBUILT_FUNCTIONS.map(buildFunction));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWorker();
}

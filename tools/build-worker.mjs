#!/usr/bin/env node
// Builds the worker Lambda's code once, into dist/assets/approval-worker/: the asset that the
// HumanApproval construct deploys and the package ships, so that a synth (ours or a team's) needs
// neither esbuild nor Docker nor the TypeScript sources. `npm run build:worker`
import { build } from 'esbuild';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORKER_ASSET_DIR = path.join(root, 'dist', 'assets', 'approval-worker');

export async function buildWorker() {
  await build({
    entryPoints: [path.join(root, 'functions', 'approval-worker', 'index.ts')],
    outfile: path.join(WORKER_ASSET_DIR, 'index.js'),
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildWorker();
}

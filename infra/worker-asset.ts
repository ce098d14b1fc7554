import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package that ships the construct library (this repository's root package). */
export const PACKAGE_NAME = 'stepfunctions-human-approval';

/** Where the worker's prebuilt code lives, relative to the package root: here and in the published package alike. */
const WORKER_ASSET_PATH = path.join('dist', 'assets', 'approval-worker');

/**
 * The package root: the nearest folder above this file whose package.json is this package's. The
 * sources run from `infra/`, the published package from `dist/lib/infra/`; both find the same root.
 */
function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json of ${PACKAGE_NAME} above ${from}.`);
  }
}

/**
 * The folder holding the worker's bundled code (`index.js`, with the AWS SDK inside), built by
 * `npm run build:worker` (tools/build-worker.mjs) and shipped in the package: a synth bundles nothing.
 */
export function workerAssetDir(): string {
  const dir = path.join(packageRoot(), WORKER_ASSET_PATH);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `The worker's code is not built: ${path.join(dir, 'index.js')} is missing. Run \`npm run build:worker\` (npm install does it too).`,
    );
  }
  return dir;
}

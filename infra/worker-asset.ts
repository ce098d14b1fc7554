import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package that ships the construct library (this repository's root package). */
export const PACKAGE_NAME = 'stepfunctions-human-approval';

/** The functions whose code ships prebuilt, by the name of their folder under functions/ and dist/assets/. */
export type PrebuiltFunction = 'approval-worker' | 'slack-actions' | 'slack-message-closer';

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
 * The folder holding a function's bundled code (`index.js`, with the AWS SDK inside), built by
 * `npm run build:worker` (tools/build-worker.mjs) into `dist/assets/<name>/` and shipped in the
 * package (the same path here and in the published package): a synth bundles nothing.
 */
export function functionAssetDir(name: PrebuiltFunction): string {
  const dir = path.join(packageRoot(), 'dist', 'assets', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `The code of ${name} is not built: ${path.join(dir, 'index.js')} is missing. Run \`npm run build:worker\` (npm install does it too).`,
    );
  }
  return dir;
}

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Once per jest run, before any suite: builds the worker's code (dist/assets/approval-worker), which
 * every synthesized stack deploys and the local stack runs, so that no suite sees an old build; and
 * creates the folder where test/support/assemblies.ts keeps the run's cloud assemblies, one per
 * distinct context, shared by every suite and worker (jest's workers inherit this environment).
 */
module.exports = async function globalSetup() {
  const { buildWorker } = await import('../../packaging/build-worker.mjs');
  await buildWorker();
  process.env.APPROVAL_TEST_ASSEMBLIES = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-test-assemblies-'));
};

/**
 * Once per jest run, before any suite: builds the worker's code (dist/assets/approval-worker), which
 * every synthesized stack deploys and the local stack runs, so that no suite sees an old build; and
 * makes the run's two folders of synthesized output, which the workers find through the environment
 * they inherit: templates (test/support/synth-cache.ts) and cloud assemblies for the local stack
 * (test/support/assemblies.ts), one per distinct context. global-teardown.js removes them.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  const { buildWorker } = await import('../../tools/build-worker.mjs');
  await buildWorker();
  process.env.APPROVAL_TEST_SYNTH_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-test-synth-'));
  process.env.APPROVAL_TEST_ASSEMBLIES = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-test-assemblies-'));
};

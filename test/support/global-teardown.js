const fs = require('node:fs');

/** After the run: removes the folders test/support/global-setup.js made. */
module.exports = async function globalTeardown() {
  for (const dir of [process.env.APPROVAL_TEST_SYNTH_CACHE, process.env.APPROVAL_TEST_ASSEMBLIES]) {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
};

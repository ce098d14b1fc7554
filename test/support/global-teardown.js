const fs = require('node:fs');

/** After the run: removes the cloud assemblies that test/support/global-setup.js made room for. */
module.exports = async function globalTeardown() {
  const dir = process.env.APPROVAL_TEST_ASSEMBLIES;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};

/** Once per jest run, after every suite: removes the run's folder of synthesized templates. */
const fs = require('node:fs');

module.exports = function removeSynthCache() {
  const dir = process.env.APPROVAL_TEST_SYNTH_CACHE;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};

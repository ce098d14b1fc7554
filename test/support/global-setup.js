/**
 * Once per jest run, before any suite: builds the worker's code (dist/assets/approval-worker), which
 * every synthesized stack deploys and the local stack runs, so that no suite sees an old build.
 */
module.exports = async function buildWorkerOnce() {
  const { buildWorker } = await import('../../tools/build-worker.mjs');
  await buildWorker();
};

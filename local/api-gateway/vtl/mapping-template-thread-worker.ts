import { parentPort } from 'node:worker_threads';
import type { RenderJob, RenderOutcome } from './mapping-template-thread';
import { renderMappingTemplate } from './render-mapping-template';

/** The worker thread of MappingTemplateThread (mapping-template-thread.ts): renders each job it is sent. */
parentPort?.on('message', (job: RenderJob) => {
  let outcome: RenderOutcome;
  try {
    outcome = { id: job.id, rendered: renderMappingTemplate(job.template, job.options) };
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    outcome = { id: job.id, error: { name: error.name, message: error.message } };
  }
  parentPort?.postMessage(outcome);
});

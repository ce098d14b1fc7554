import { Worker } from 'node:worker_threads';
import { MappingTemplateError } from './errors';
import type { RenderedMappingTemplate, RenderMappingTemplateOptions } from './render-mapping-template';
import { ownEntry } from '../../own-entry';

/** What the thread (mapping-template-thread-worker.ts) is asked: one template to render. */
export interface RenderJob {
  readonly id: number;
  readonly template: string;
  readonly options: RenderMappingTemplateOptions;
}

/** What the thread answers: the rendering, or the error it failed with. */
export type RenderOutcome =
  | { readonly id: number; readonly rendered: RenderedMappingTemplate }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

const WORKER_ENTRY = ownEntry('mapping-template-thread-worker');

/** The render could not finish: the thread stopped, or was closed. API Gateway would answer 500. */
export class MappingTemplateThreadError extends Error {
  override readonly name = 'MappingTemplateThreadError';
}

interface Pending {
  readonly resolve: (rendered: RenderedMappingTemplate) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Renders mapping templates on a worker thread, started at the first render. Every local endpoint
 * shares one event loop: a render that takes a while (a large body, templates over a thousand form
 * fields) then holds up only this thread, and the other ports keep answering. Results and errors are
 * those of renderMappingTemplate: a MappingTemplateError comes back as one.
 */
export class MappingTemplateThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  render(template: string, options: RenderMappingTemplateOptions): Promise<RenderedMappingTemplate> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const job: RenderJob = { id, template, options };
      worker.postMessage(job);
    });
  }

  /** Stops the thread; renders still under way fail with MappingTemplateThreadError. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll('The mapping template thread was closed.');
    await worker?.terminate();
  }

  private start(): Worker {
    // From the sources, the thread loads TypeScript the way the local stack's other processes do.
    const worker = new Worker(WORKER_ENTRY.file, { execArgv: [...WORKER_ENTRY.execArgv] });
    // An idle thread must not keep the process alive: the stack may end without closing it.
    worker.unref();
    worker.on('message', (outcome: RenderOutcome) => {
      const pending = this.pending.get(outcome.id);
      this.pending.delete(outcome.id);
      if ('rendered' in outcome) pending?.resolve(outcome.rendered);
      else if (outcome.error.name === 'MappingTemplateError') pending?.reject(new MappingTemplateError(outcome.error.message));
      else pending?.reject(new MappingTemplateThreadError(outcome.error.message));
    });
    const stopped = (): void => {
      if (this.worker !== worker) return;
      // The next render starts a new thread.
      this.worker = undefined;
      this.failAll('The mapping template thread stopped.');
    };
    worker.on('error', stopped);
    worker.on('exit', stopped);
    this.worker = worker;
    return worker;
  }

  private failAll(message: string): void {
    for (const { reject } of this.pending.values()) reject(new MappingTemplateThreadError(message));
    this.pending.clear();
  }
}

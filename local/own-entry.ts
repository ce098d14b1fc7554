import * as path from 'node:path';

/** Files the emulator starts in processes and threads of their own, by the name of their bundle. */
const SOURCES = {
  'worker-process': path.join('worker', 'worker-process.ts'),
  'mapping-template-thread-worker': path.join('api-gateway', 'vtl', 'mapping-template-thread-worker.ts'),
} as const;

export type OwnEntry = keyof typeof SOURCES;

/**
 * Where one of the emulator's own entry files is, and how to start it. In this repository the
 * sources run through tsx; in the package (tools/package.mjs bundles each entry into dist/, beside
 * index.js) the bundle runs as it is.
 */
export function ownEntry(name: OwnEntry): { readonly file: string; readonly execArgv: readonly string[] } {
  if (__filename.endsWith('.ts')) return { file: path.join(__dirname, SOURCES[name]), execArgv: ['--require', require.resolve('tsx/cjs')] };
  return { file: path.join(__dirname, `${name}.js`), execArgv: [] };
}

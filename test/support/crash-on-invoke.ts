// Preloaded into a worker process (through NODE_OPTIONS) by a test: the process dies as each run
// reaches it, before the handler starts, as a worker whose task crashes it every time would.
process.on('message', (message: { readonly type?: string } | undefined) => {
  if (message?.type === 'invoke') process.exit(1);
});

export {};

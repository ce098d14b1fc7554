#!/usr/bin/env node
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point loads code with require */
// The warning is about SDK releases after January 2027, not this install; every CLI run would print it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI is TypeScript; tsx compiles it on load, so a clone needs no build step.
require('tsx/cjs');
require('../approval.ts').main();

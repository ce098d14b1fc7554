import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The synthesized templates of one jest run, one per distinct context, shared by every suite and
 * worker of the run: a synthesis costs seconds in each suite (CDK loads lazily), reading the JSON
 * costs nothing. The run's global setup makes the folder and names it in this variable; without
 * it (a suite run by another config) templates are kept for the suite alone.
 */
export const SYNTH_CACHE_ENV = 'APPROVAL_TEST_SYNTH_CACHE';

/** A JSON document, as a template is. */
export type TemplateJson = Record<string, unknown>;

const inSuite = new Map<string, TemplateJson>();

/** The same key for the same settings, whatever the order of their keys. */
function keyOf(context: Readonly<Record<string, unknown>>): string {
  const sorted = Object.fromEntries(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

function fileOf(key: string): string | undefined {
  const dir = process.env[SYNTH_CACHE_ENV];
  return dir ? path.join(dir, `${key}.template.json`) : undefined;
}

/** The template synthesized with this context earlier in the run, if any. */
export function cachedTemplate(context: Readonly<Record<string, unknown>>): TemplateJson | undefined {
  const key = keyOf(context);
  const kept = inSuite.get(key);
  if (kept) return kept;
  const file = fileOf(key);
  if (!file || !fs.existsSync(file)) return undefined;
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as TemplateJson;
  inSuite.set(key, template);
  return template;
}

/** Keeps a template for the rest of the run. Written whole and then renamed, so a reader never sees half of one. */
export function keepTemplate(context: Readonly<Record<string, unknown>>, template: TemplateJson): void {
  const key = keyOf(context);
  inSuite.set(key, template);
  const file = fileOf(key);
  if (!file || fs.existsSync(file)) return;
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, JSON.stringify(template));
  fs.renameSync(partial, file);
}

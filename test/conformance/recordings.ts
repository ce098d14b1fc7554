import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';

/**
 * Responses recorded on real AWS, kept as data in recordings/*.json: each file names the
 * LocalStack snapshot it was copied from (repository, path, commit) and each recording its test
 * and `last_validated_date`. LocalStack's snapshot library normalised them before they were
 * committed: ARNs, ids and dates are placeholders, and JSON text in `input`, `output`, `cause`
 * and `parameters` is parsed. {@link recordedShape} puts our endpoint's answers in that same shape.
 */

export interface RecordingSource {
  readonly repository: string;
  readonly path: string;
  readonly commit: string;
}

export interface Recording {
  readonly test: string;
  readonly lastValidatedDate: string;
}

export interface RecordingFile<T extends Recording> {
  readonly source: RecordingSource;
  readonly recordings: Readonly<Record<string, T>>;
}

/** A history event as recorded: no timestamp, JSON payloads parsed. */
export type RecordedEvent = Record<string, unknown> & { readonly type: string; readonly id: number; readonly previousEventId: number };

export interface RecordedHistory extends Recording {
  readonly events: readonly RecordedEvent[];
}

/** One recording of a file; throws when the file lacks it, so a renamed recording cannot pass silently. */
export function recording<T extends Recording>(file: string, test: string): T {
  const parsed = JSON.parse(readFileSync(join(__dirname, 'recordings', file), 'utf8')) as RecordingFile<T>;
  const found = parsed.recordings[test];
  if (found === undefined) throw new Error(`recordings/${file} has no recording named ${test}`);
  return found;
}

const PARSED_FIELDS = new Set(['input', 'output', 'cause', 'parameters']);

/** The snapshot library parses JSON objects and arrays only: `"1"` and `"\"Hello\""` stay text. */
function parsedJson(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Replaces every occurrence of each key by its placeholder, in strings at any depth. */
function withPlaceholders(value: unknown, placeholders: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const [actual, placeholder] of placeholders) text = text.split(actual).join(placeholder);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => withPlaceholders(item, placeholders));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withPlaceholders(item, placeholders)]));
  }
  return value;
}

/** JSON text in the fields the snapshot library parses, parsed, at any depth below an event's details. */
function withParsedPayloads(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withParsedPayloads);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      PARSED_FIELDS.has(key) && typeof item === 'string' ? parsedJson(item) : withParsedPayloads(item),
    ]),
  );
}

/**
 * Our endpoint's history in the recorded shape: no timestamps, payloads parsed, our ARNs and names
 * replaced by the recording's placeholders (`placeholders` maps ours to theirs).
 */
export function recordedShape(events: readonly HistoryEvent[], placeholders: Readonly<Record<string, string>> = {}): RecordedEvent[] {
  // Longest first, so an execution ARN is replaced before the state machine name inside it.
  const ordered = new Map(Object.entries(placeholders).sort(([a], [b]) => b.length - a.length));
  return events.map((event) => {
    const { timestamp: _timestamp, ...rest } = event;
    return withPlaceholders(withParsedPayloads(rest), ordered) as RecordedEvent;
  });
}

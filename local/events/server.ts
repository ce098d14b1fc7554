import { randomUUID } from 'node:crypto';
import { type JsonOperation, startJsonProtocolServer } from '../json-protocol-server';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { compileEventPattern } from './event-pattern';
import { eventsPage } from './events-page';

/**
 * EventBridge on loopback: PutEvents, DescribeEventBus and ListRules in the service's JSON 1.1
 * protocol ("Amazon EventBridge API Reference": POST /, X-Amz-Target `AWSEvents.<Operation>`,
 * Content-Type application/x-amz-json-1.1), and what AWS services send (publish). Each event is
 * matched against its bus's rules and handed to the matching rules' targets, outside the request.
 * `GET /store` lists every event with its deliveries; `/` shows them, newest first.
 */

/** An event as EventBridge delivers it to targets ("Amazon EventBridge events", user guide). */
export interface LocalEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601, whole seconds, UTC: `2019-02-26T19:42:21Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface LocalRuleTarget {
  readonly id: string;
  /** Delivers one event; a rejection is recorded as a failed delivery. */
  deliver(event: LocalEvent): Promise<void>;
}

export interface LocalRule {
  readonly name: string;
  /** 'default', or a bus made by createEventBus. */
  readonly eventBusName: string;
  /** The event pattern, parsed. */
  readonly eventPattern: unknown;
  readonly targets: readonly LocalRuleTarget[];
}

export interface LocalEventsOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.events */
  readonly port?: number;
  /** Region and account of the events and ARNs. */
  readonly region: string;
  readonly accountId: string;
  /** One short line per event and per delivery: names, never an event's detail. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send a whole request. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

export interface StoredEvent {
  readonly eventBusName: string;
  readonly event: LocalEvent;
  readonly matched: ReadonlyArray<{
    readonly rule: string;
    readonly target: string;
    readonly result: 'pending' | 'delivered' | 'failed';
    readonly error?: string;
  }>;
}

export interface LocalEvents {
  /** `http://127.0.0.1:PORT`: set it as AWS_ENDPOINT_URL_EVENTBRIDGE, or give it to a client as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Adds a bus (the 'default' bus always exists). */
  createEventBus(name: string): void;
  /** Adds a rule; throws InvalidEventPatternError (a named Error) for a pattern the matcher does not support or that EventBridge would refuse. */
  putRule(rule: LocalRule): void;
  /** What an AWS service sends (e.g. Step Functions' status changes): stored and matched like PutEvents entries; returns the event with its id and time. */
  publish(entry: {
    source: string;
    detailType: string;
    detail: unknown;
    resources?: readonly string[];
    eventBusName?: string;
    time?: Date;
  }): LocalEvent;
  /** Every event received, in order, each with the rules it matched and each target's delivery result. */
  events(): ReadonlyArray<StoredEvent>;
  /** Resolves when every delivery started so far has settled (for tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** A rule for a bus that was never made (createEventBus). */
export class UnknownEventBusError extends Error {
  override readonly name = 'UnknownEventBusError';
}

/** An answer in the JSON 1.1 protocol's error shape: `__type` and `message` in the body. */
class EventBridgeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Delivery = { rule: string; target: string; result: 'pending' | 'delivered' | 'failed'; error?: string };
interface EventRecord {
  readonly eventBusName: string;
  readonly event: LocalEvent;
  readonly matched: Delivery[];
}
interface Bus {
  readonly name: string;
  readonly createdAt: number;
}
interface StoredRule {
  readonly rule: LocalRule;
  readonly matches: (event: LocalEvent) => boolean;
}

const DEFAULT_BUS = 'default';
/** PutEvents takes 1 to 10 entries ("PutEvents", API Reference: Entries, array members). */
const MAX_ENTRIES = 10;
/** "The total entry size must be less than 256KB" ("Calculating PutEvents event entry size", user guide). */
const MAX_ENTRIES_BYTES = 256 * 1024;
/** Ten entries of 256 KB at most, JSON-escaped: the limit above is checked on the parsed entries. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** `2019-02-26T19:42:21Z`: the event's time, to the second. */
const eventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Seconds since the epoch, as the JSON protocol writes timestamps. */
const epochSeconds = (ms: number): number => ms / 1000;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * "Calculating PutEvents event entry size" (user guide): Time counts 14 bytes, Source, DetailType,
 * Detail and each resource their UTF-8 bytes.
 */
function entrySize(entry: Record<string, unknown>): number {
  const text = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined || entry.Time === null ? 0 : 14) +
    text(entry.Source) +
    text(entry.DetailType) +
    text(entry.Detail) +
    resources.reduce<number>((sum, resource) => sum + text(resource), 0)
  );
}

/** Why EventBridge refuses one entry: ErrorCode and ErrorMessage as recorded (see the tests). */
interface EntryFailure {
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}
const requiredArgument = (parameter: string): EntryFailure => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
});

/** An entry's Time: the JSON protocol's epoch seconds, or a date string; now when absent. */
function entryTime(value: unknown): Date | EntryFailure {
  if (value === undefined || value === null) return new Date();
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  return Number.isNaN(date.getTime()) ? { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' } : date;
}

export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const log = options.log ?? (() => undefined);
  const buses = new Map<string, Bus>([[DEFAULT_BUS, { name: DEFAULT_BUS, createdAt: Date.now() }]]);
  const rules: StoredRule[] = [];
  const records: EventRecord[] = [];
  const deliveries = new Set<Promise<void>>();
  const arnPrefix = `arn:aws:events:${options.region}:${options.accountId}:`;
  const busArn = (name: string): string => `${arnPrefix}event-bus/${name}`;
  const ruleArn = (rule: LocalRule): string =>
    `${arnPrefix}rule/${rule.eventBusName === DEFAULT_BUS ? '' : `${rule.eventBusName}/`}${rule.name}`;

  /** A bus by name or by its ARN; an ARN of another account or region stays as given and names no bus here. */
  const busName = (nameOrArn: unknown): string => {
    if (nameOrArn === undefined || nameOrArn === null || nameOrArn === '') return DEFAULT_BUS;
    if (typeof nameOrArn !== 'string') throw new EventBridgeApiError(400, 'ValidationException', 'An event bus name must be a string.');
    const ownArn = `${arnPrefix}event-bus/`;
    return nameOrArn.startsWith(ownArn) ? nameOrArn.slice(ownArn.length) : nameOrArn;
  };
  /** The DescribeEventBus and DeleteEventBus message for an unknown bus (recorded). */
  const knownBus = (name: string): Bus => {
    const bus = buses.get(name);
    if (bus === undefined) throw new EventBridgeApiError(400, 'ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  };

  const deliver = (record: EventRecord, rule: LocalRule, target: LocalRuleTarget): void => {
    const delivery: Delivery = { rule: rule.name, target: target.id, result: 'pending' };
    record.matched.push(delivery);
    // Not awaited by the request or the publisher; a target that throws or rejects is a failed delivery.
    const settled = Promise.resolve()
      .then(() => target.deliver(record.event))
      .then(
        () => {
          delivery.result = 'delivered';
          log(`Delivered event ${record.event.id} by rule ${rule.name} to target ${target.id}`);
        },
        (error: unknown) => {
          delivery.result = 'failed';
          delivery.error = errorText(error);
          log(`Delivery of event ${record.event.id} by rule ${rule.name} to target ${target.id} failed`);
        },
      )
      .finally(() => deliveries.delete(settled));
    deliveries.add(settled);
  };

  /** Stores the event and hands it to the targets of its bus's matching rules. */
  const route = (eventBusName: string, event: LocalEvent): void => {
    const record: EventRecord = { eventBusName, event, matched: [] };
    records.push(record);
    if (!buses.has(eventBusName)) {
      // PutEvents accepts an entry for a bus that does not exist and gives it an EventId; nothing receives it.
      log(`Event ${event.id} (${event.source}, ${event['detail-type']}) went to bus ${eventBusName}, which does not exist`);
      return;
    }
    const matching = rules.filter((stored) => stored.rule.eventBusName === eventBusName && stored.matches(event));
    log(`Event ${event.id} (${event.source}, ${event['detail-type']}) on bus ${eventBusName} matched ${matching.length} rule(s)`);
    for (const { rule } of matching) for (const target of rule.targets) deliver(record, rule, target);
  };

  const newEvent = (fields: {
    source: string;
    detailType: string;
    detail: unknown;
    resources: readonly string[];
    time: Date;
  }): LocalEvent => ({
    version: '0',
    id: randomUUID(),
    'detail-type': fields.detailType,
    source: fields.source,
    account: options.accountId,
    time: eventTime(fields.time),
    region: options.region,
    resources: [...fields.resources],
    detail: fields.detail,
  });

  /** One PutEvents entry: the event it makes, or why it is refused. */
  const acceptEntry = (entry: unknown): { eventBusName: string; event: LocalEvent } | EntryFailure => {
    if (!isRecord(entry)) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Entries is not valid.' };
    if (typeof entry.Source !== 'string' || entry.Source === '') return requiredArgument('Source');
    // `aws.` sources are AWS's own: a caller cannot publish as a service ("PutEventsResultEntry",
    // ErrorCode NotAuthorizedForSourceException: "You do not have permissions to publish events with
    // this source onto this event bus"; the entry's message as reported from AWS is below), so no
    // local client can fake, say, an execution's end.
    if (entry.Source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return requiredArgument('DetailType');
    if (typeof entry.Detail !== 'string' || entry.Detail === '') return requiredArgument('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    // Detail must be a JSON object: a string, an array or broken JSON is MalformedDetail (recorded).
    if (!isRecord(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((resource): resource is string => typeof resource === 'string')) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Resources is not valid.' };
    }
    const time = entryTime(entry.Time);
    if (!(time instanceof Date)) return time;
    return {
      eventBusName: busName(entry.EventBusName),
      event: newEvent({ source: entry.Source, detailType: entry.DetailType, detail, resources, time }),
    };
  };

  const operations: Readonly<Record<string, JsonOperation>> = {
    // "PutEvents" (API Reference): per-entry failures in Entries[i], their count in FailedEntryCount.
    PutEvents: (input) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
        const constraint =
          Array.isArray(entries) && entries.length > MAX_ENTRIES ? `less than or equal to ${MAX_ENTRIES}` : 'greater than or equal to 1';
        throw new EventBridgeApiError(
          400,
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${constraint}`,
        );
      }
      const size = entries.reduce<number>((sum, entry) => sum + (isRecord(entry) ? entrySize(entry) : 0), 0);
      if (size > MAX_ENTRIES_BYTES) {
        throw new EventBridgeApiError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
      }
      const results = entries.map(acceptEntry);
      for (const result of results) if ('event' in result) route(result.eventBusName, result.event);
      return {
        FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
        Entries: results.map((result) => ('event' in result ? { EventId: result.event.id } : result)),
      };
    },
    // "DescribeEventBus" (API Reference): Name takes a name or an ARN; without it, the default bus.
    DescribeEventBus: (input) => {
      const bus = knownBus(busName(input.Name));
      return {
        Name: bus.name,
        Arn: busArn(bus.name),
        CreationTime: epochSeconds(bus.createdAt),
        LastModifiedTime: epochSeconds(bus.createdAt),
      };
    },
    // "ListRules" (API Reference): the bus's rules, by NamePrefix; Limit and NextToken page them.
    ListRules: (input) => {
      const bus = knownBus(busName(input.EventBusName));
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const listed = rules.filter(({ rule }) => rule.eventBusName === bus.name && rule.name.startsWith(prefix));
      const start = typeof input.NextToken === 'string' && /^\d+$/.test(input.NextToken) ? Number(input.NextToken) : 0;
      const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : listed.length;
      const page = listed.slice(start, start + limit);
      return {
        Rules: page.map(({ rule }) => ({
          Name: rule.name,
          Arn: ruleArn(rule),
          EventPattern: JSON.stringify(rule.eventPattern),
          State: 'ENABLED',
          EventBusName: rule.eventBusName,
        })),
        ...(start + limit < listed.length ? { NextToken: String(start + limit) } : {}),
      };
    },
  };

  /** Copies: the caller sees each delivery as it was when asked. */
  const snapshot = (): StoredEvent[] =>
    records.map((record) => ({
      eventBusName: record.eventBusName,
      event: record.event,
      matched: record.matched.map((item) => ({ ...item })),
    }));

  const server = await startJsonProtocolServer(
    {
      serviceName: 'EventBridge',
      operationsInWords: 'PutEvents, DescribeEventBus and ListRules',
      targetPrefix: 'AWSEvents.',
      contentType: 'application/x-amz-json-1.1',
      operations,
      apiError: EventBridgeApiError,
      maxBodyBytes: MAX_BODY_BYTES,
      bodyTooLargeType: 'ValidationException',
      internalErrorType: 'InternalException',
      store: () => ({ events: snapshot() }),
      page: () => eventsPage(snapshot()),
    },
    {
      host: options.host ?? DEFAULT_LOCAL_HOST,
      port: options.port ?? DEFAULT_LOCAL_PORTS.events,
      requestTimeoutMs: options.requestTimeoutMs,
    },
  );

  return {
    url: server.url,
    port: server.port,
    createEventBus(name) {
      if (!buses.has(name)) buses.set(name, { name, createdAt: Date.now() });
    },
    putRule(rule) {
      if (!buses.has(rule.eventBusName)) {
        throw new UnknownEventBusError(`Rule ${rule.name} names event bus ${rule.eventBusName}, which does not exist.`);
      }
      // Compiled now, so that a pattern EventBridge would refuse fails here rather than at the first event.
      const stored: StoredRule = { rule, matches: compileEventPattern(rule.eventPattern) };
      const existing = rules.findIndex((item) => item.rule.name === rule.name && item.rule.eventBusName === rule.eventBusName);
      if (existing === -1) rules.push(stored);
      else rules[existing] = stored;
    },
    publish(entry) {
      const event = newEvent({
        source: entry.source,
        detailType: entry.detailType,
        detail: entry.detail,
        resources: entry.resources ?? [],
        time: entry.time ?? new Date(),
      });
      route(entry.eventBusName ?? DEFAULT_BUS, event);
      return event;
    },
    events: snapshot,
    async settled() {
      // A delivery may publish again: wait until no delivery is left.
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    },
    close: () => server.close(),
  };
}

// The one seam between the platform and SmartApp code: a JSON snapshot goes in,
// a JSON effects object comes out. Nothing here may import platform code.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One argument of a device command, as the sandbox checks it before recording the command. */
export interface CommandArgSpec {
  name: string;
  type: 'number' | 'integer' | 'string' | 'enum';
  min?: number;
  max?: number;
  values?: string[];
}

/** A command the device proxy exposes and how it changes the snapshot's state (read-your-writes). */
export interface CommandSpec {
  name: string;
  args: CommandArgSpec[];
  /** attribute set by the command; the value is `value` when given, else the argument at `fromArg` */
  sets: { attribute: string; value?: JsonValue; fromArg?: number };
}

export interface SandboxDevice {
  id: string;
  label: string;
  /** every capability of the device (informational) */
  capabilities: string[];
  /** attribute -> current value */
  state: JsonObject;
  /** only the commands of the capability the input was granted for */
  commands: CommandSpec[];
}

export interface DeviceInputSnapshot {
  multiple: boolean;
  devices: SandboxDevice[];
}

export interface SandboxEvent {
  deviceId: string;
  displayName: string;
  name: string;
  value: JsonValue;
  unit: string | null;
  date: string;
  source: string;
  data?: JsonValue;
}

/** A location mode event (ctx.subscribe(ctx.location, 'mode', handler)). */
export interface SandboxLocationEvent {
  locationId: string;
  /** the location's name */
  displayName: string;
  name: 'mode';
  value: string;
  date: string;
  source: string;
}

/** One local day of the location: its bounds and sunrise/sunset (null without coordinates, or in polar day/night). */
export interface SunDay {
  /** local midnight that starts the day and the next one, as ISO times */
  start: string;
  end: string;
  sunrise: string | null;
  sunset: string | null;
}

export interface SnapshotLocation {
  id: string;
  name: string;
  timeZone: string;
  mode?: string;
  modes?: string[];
  latitude?: number | null;
  longitude?: number | null;
  /** yesterday to a week ahead, in the location's time zone, for ctx.getSunriseAndSunset */
  sun?: SunDay[];
  /** UTC offset in minutes now, per IANA zone (the location's first), for ctx.timeToday: QuickJS has no Intl */
  utcOffsets?: Record<string, number>;
}

export interface Snapshot {
  installationId: string;
  /** non-device inputs: name -> value */
  settings: JsonObject;
  /** device inputs: name -> granted devices */
  deviceInputs: Record<string, DeviceInputSnapshot>;
  /** path variables merged with query parameters (path variables win) */
  params: Record<string, string>;
  body: JsonValue;
  headers: Record<string, string>;
  state: JsonObject;
  location: SnapshotLocation;
  /** ISO time the host considers "now" (handlers have no clock of their own) */
  now: string;
  /** set for event and scheduled handlers */
  event?: SandboxEvent | SandboxLocationEvent;
}

/** Which function of the SmartApp module to run. */
export type HandlerRef =
  | { kind: 'mapping'; name: string } // app.handlers[name](ctx)
  | { kind: 'lifecycle'; name: 'installed' | 'updated' | 'uninstalled' } // app[name](ctx), missing = no-op
  | { kind: 'event'; name: string }; // app.handlers[name](ctx, evt)

export interface SandboxLimits {
  cpuMs: number;
  memoryBytes: number;
  maxResultBytes: number;
  maxLogLines: number;
  maxLogLineBytes: number;
}

export type SandboxResponse =
  | { kind: 'value'; value: JsonValue }
  | { kind: 'none' }
  | { kind: 'httpError'; status: number; message: string };

export interface IssuedCommand {
  deviceId: string;
  inputName: string;
  command: string;
  args: JsonValue[];
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogLine {
  level: LogLevel;
  message: string;
}

export type SubscriptionOp =
  /** `includeOwn`: also deliver changes made by this installation's own commands (present only when true) */
  | { op: 'subscribe'; deviceIds: string[]; attribute: string; value: string | null; handler: string; includeOwn?: true }
  | { op: 'unsubscribe' }
  /** ctx.subscribe(ctx.location, 'mode' | 'mode.<name>', handler) */
  | { op: 'subscribeLocation'; attribute: 'mode'; value: string | null; handler: string; includeOwn?: true };

export type ScheduleOp =
  | { op: 'runIn'; seconds: number; handler: string; data: JsonValue; overwrite: boolean }
  | { op: 'schedule'; cron: string; handler: string }
  | { op: 'unschedule'; handler: string | null };

export interface Callback {
  url: string;
  body: JsonValue;
}

/** ctx.sendPush / ctx.sendNotification */
export interface Notice {
  kind: 'push' | 'notification';
  message: string;
}

export interface Effects {
  response: SandboxResponse;
  commands: IssuedCommand[];
  state: JsonObject;
  logs: LogLine[];
  subscriptions: SubscriptionOp[];
  schedules: ScheduleOp[];
  callbacks: Callback[];
  /** ctx.setLocationMode: the last mode the handler asked for */
  locationMode?: string;
  notifications?: Notice[];
}

/** 'unavailable': the platform lost the call (its worker died or the pool was closed), not the SmartApp's doing.
 * `refused`: the call never ran (see `refusal`): a full queue, a spent CPU budget or a quarantine. */
export type SandboxFailureKind = 'timeout' | 'memory' | 'exception' | 'invalid_result' | 'refused' | 'unavailable';

/** Why a call was refused without running, and when to try again. */
export interface SandboxRefusal {
  reason: 'queue_full' | 'overloaded' | 'installation_cpu' | 'app_cpu' | 'quarantined' | 'version_quarantined';
  retryAfterSeconds: number;
}

/** A quarantine this call's failure started: of its installation, or of the SmartApp version across installations. */
export interface SandboxQuarantine {
  scope: 'installation' | 'version';
  durationMs: number;
}

export type SandboxResult =
  | { ok: true; effects: Effects }
  | {
      ok: false;
      error: { kind: SandboxFailureKind; message: string; stack?: string; refusal?: SandboxRefusal };
      logs: LogLine[];
      quarantines?: SandboxQuarantine[];
    };

/** The JSON parts of a SmartApp module, as evaluated in the sandbox. Semantic checks happen in the platform. */
export interface AppShape {
  definition: JsonValue;
  preferences: JsonValue;
  mappings: JsonValue;
  /** names of app.handlers entries that are functions */
  handlers: string[];
  /** names of app.handlers entries that are present but not functions */
  nonFunctionHandlers: string[];
  lifecycle: Record<'installed' | 'updated' | 'uninstalled', 'function' | 'absent' | 'not_a_function'>;
}

export type InspectResult =
  | { ok: true; app: AppShape }
  | { ok: false; errors: { path: string; message: string }[] };

export interface RunRequest {
  /** cache key for a compiled module, e.g. the SmartApp version id */
  versionKey: string;
  source: string;
  handler: HandlerRef;
  snapshot: Snapshot;
  limits?: Partial<SandboxLimits>;
  /** whose call this is: scheduled fairly, metered and quarantined per installation and SmartApp; without it, unmetered */
  owner?: { installationId: string; appId: string };
}

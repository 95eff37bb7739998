// The one seam between the platform and SmartApp code: a JSON snapshot goes in,
// a JSON effects object comes out. Nothing here may import platform code.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One argument of a device command, as the sandbox checks it before recording the command. */
export interface CommandArgSpec {
  name: string;
  /** `color`: an object with any of hue, saturation (0–100) and hex ("#RRGGBB"), classic's COLOR_MAP */
  type: 'number' | 'integer' | 'string' | 'enum' | 'color';
  min?: number;
  max?: number;
  values?: string[];
}

/** A command the device proxy exposes and how it changes the snapshot's state (read-your-writes). */
export interface CommandSpec {
  name: string;
  args: CommandArgSpec[];
  /** attribute set by the command; the value is `value` when given, else the argument at `fromArg`.
   * Absent: nothing (momentary's push), or, for a `color` argument, its hue, saturation and hex (as `color`). */
  sets?: { attribute: string; value?: JsonValue; fromArg?: number };
}

/** A capability as a classic handler sees it: `{ name: 'Switch Level', attributes: ['level'], commands: ['setLevel'] }`. */
export interface SandboxCapability {
  name: string;
  attributes: string[];
  commands: string[];
}

/** One recent event of a device, newest first in `SandboxDevice.events`. */
export interface SandboxDeviceEvent {
  name: string;
  value: JsonValue;
  unit: string | null;
  /** ISO time */
  date: string;
}

export interface SandboxDevice {
  id: string;
  label: string;
  /** the device's type name, e.g. "Simulated Switch" (classic `device.name`) */
  name?: string;
  /** the capabilities the device was granted through in this installation (our names) */
  capabilities: string[];
  /** the same, as classic capability objects */
  granted?: SandboxCapability[];
  /** attribute -> current value */
  state: JsonObject;
  /** attribute -> ISO time it last changed */
  stateDates?: Record<string, string>;
  /** recent events, newest first (present only when the SmartApp's source calls `events(`) */
  events?: SandboxDeviceEvent[];
  /** the commands of every capability the device was granted through */
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
  /** ctx.atomicState as last stored (the host compares its version when the run's change is applied) */
  atomicState?: JsonObject;
  /** ctx.app */
  app?: SnapshotApp;
}

/** ctx.app: the installation and its subscriptions (device ones carry the device even when no longer granted). */
export interface SnapshotApp {
  id: string;
  label: string;
  name: string;
  subscriptions: { id: string; device: { id: string; name: string; label: string } | null; attribute: string; value: string | null; handler: string }[];
}

/** One outgoing request of a run, as the user's activity shows it: the URL without its query. */
export interface OutgoingRequest {
  method: string;
  url: string;
  /** e.g. "HTTP 200", "failed: ECONNREFUSED …", "refused: not under a callback prefix …" */
  outcome: string;
}

/** Where a run's ctx.httpGet & co. may go: the OAuth client's callback prefixes; private addresses only in development. */
export interface HttpPolicy {
  prefixes: string[];
  allowPrivateNetwork: boolean;
  limits?: { maxConcurrent?: number; maxRequests?: number; maxResponseBytes?: number };
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
  | { kind: 'httpError'; status: number; message: string }
  /** ctx.render: a non-JSON reply (the host checks the content type and size) */
  | { kind: 'render'; status: number; contentType: string; data: string };

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
  /** `deviceIds`: only those devices' subscriptions (absent: all of them) */
  | { op: 'unsubscribe'; deviceIds?: string[] }
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
  /** present only when the run changed ctx.atomicState */
  atomicState?: JsonObject;
  /** ctx.httpGet & co. the run made or was refused (present only when there were any) */
  requests?: OutgoingRequest[];
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
  /** where ctx.httpGet & co. may go; without it every request is refused */
  http?: HttpPolicy;
}

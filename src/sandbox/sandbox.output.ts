// Host-side reading of what the prelude hands back. The VM is untrusted: its JSON is parsed
// here, checked field by field, and rebuilt into fresh objects carrying only the known fields.
import type {
  AppShape,
  Callback,
  CommandArgSpec,
  CommandSpec,
  IssuedCommand,
  JsonObject,
  JsonValue,
  Notice,
  SandboxLimits,
  SandboxResponse,
  ScheduleOp,
  Snapshot,
  SubscriptionOp,
} from './sandbox.types';

/** The media types ctx.render may send (the install URL sets the headers). */
export const RENDER_CONTENT_TYPES: readonly string[] = ['text/plain', 'text/html', 'text/csv', 'text/xml', 'application/xml', 'application/json'];

/** A ctx.render content type's media type (lower case, parameters dropped) when it is one of RENDER_CONTENT_TYPES. */
export function renderMediaType(contentType: string): string | null {
  const type = contentType.split(';')[0].trim().toLowerCase();
  return RENDER_CONTENT_TYPES.includes(type) ? type : null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export interface RunRecords {
  response: SandboxResponse;
  state: JsonObject;
  atomicState?: JsonObject;
  commands: IssuedCommand[];
  subscriptions: SubscriptionOp[];
  schedules: ScheduleOp[];
  callbacks: Callback[];
  locationMode?: string;
  notifications?: Notice[];
}

export interface DescribedApp {
  app: AppShape;
  problems: { path: string; message: string }[];
}

class OutputError extends Error {}

function reject(message: string): never {
  throw new OutputError(message);
}

function malformed(detail: string): never {
  return reject(`The sandbox output is malformed: ${detail}`);
}

/** JSON.parse that refuses "__proto__" keys, so nothing the sandbox returns can reach a prototype downstream. */
export function parseUntrustedJson(text: string): JsonValue {
  const parsed: unknown = JSON.parse(text, (key: string, value: unknown) => {
    if (key === '__proto__') {
      reject('The result contains a "__proto__" key, which the platform does not accept');
    }
    return value;
  });
  // JSON.parse only ever produces JSON values
  return parsed as JsonValue;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function objectAt(object: JsonObject, key: string, where: string): JsonObject {
  const value = field(object, key);
  return isObject(value) ? value : malformed(`${where}.${key} must be an object`);
}

function arrayAt(object: JsonObject, key: string, where: string): JsonValue[] {
  const value = field(object, key);
  return Array.isArray(value) ? value : malformed(`${where}.${key} must be an array`);
}

function stringAt(object: JsonObject, key: string, where: string): string {
  const value = field(object, key);
  return typeof value === 'string' ? value : malformed(`${where}.${key} must be a string`);
}

function nullableStringAt(object: JsonObject, key: string, where: string): string | null {
  const value = field(object, key);
  return value === null || typeof value === 'string' ? value : malformed(`${where}.${key} must be a string or null`);
}

function strings(values: JsonValue[], where: string): string[] {
  return values.map((value) => (typeof value === 'string' ? value : malformed(`${where} must hold strings only`)));
}

function jsonBytes(value: JsonValue): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Mirrors the prelude's argument check, so a command is only accepted when the snapshot really allows it. */
export function commandArgumentProblem(specs: CommandArgSpec[], args: JsonValue[]): string | null {
  if (specs.length !== args.length) {
    return `takes ${specs.length} argument(s), got ${args.length}`;
  }
  for (const [i, spec] of specs.entries()) {
    const value = args[i];
    if (spec.type === 'number' || spec.type === 'integer') {
      if (typeof value !== 'number' || !Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) {
        return `argument ${i + 1} (${spec.name}) must be ${spec.type === 'integer' ? 'an integer' : 'a number'}`;
      }
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return `argument ${i + 1} (${spec.name}) is out of range`;
      }
    } else if (spec.type === 'string') {
      if (typeof value !== 'string') {
        return `argument ${i + 1} (${spec.name}) must be a string`;
      }
    } else if (spec.type === 'color') {
      // its ranges are checked where the command runs (DevicesService)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return `argument ${i + 1} (${spec.name}) must be an object`;
      }
    } else if (typeof value !== 'string' || !(spec.values ?? []).includes(value)) {
      return `argument ${i + 1} (${spec.name}) is not one of its enum values`;
    }
  }
  return null;
}

function grantedCommand(snapshot: Snapshot, inputName: string, deviceId: string, command: string): CommandSpec | undefined {
  const input = Object.hasOwn(snapshot.deviceInputs, inputName) ? snapshot.deviceInputs[inputName] : undefined;
  const device = input?.devices.find((d) => d.id === deviceId);
  return device?.commands.find((c) => c.name === command);
}

function readCommand(value: JsonValue, snapshot: Snapshot): IssuedCommand {
  const where = 'commands[]';
  if (!isObject(value)) {
    return malformed(`${where} must be objects`);
  }
  const command: IssuedCommand = {
    deviceId: stringAt(value, 'deviceId', where),
    inputName: stringAt(value, 'inputName', where),
    command: stringAt(value, 'command', where),
    args: arrayAt(value, 'args', where),
  };
  const spec = grantedCommand(snapshot, command.inputName, command.deviceId, command.command);
  if (!spec) {
    return reject(`The run recorded command ${command.command} on device ${command.deviceId} (input ${command.inputName}), which the snapshot does not offer`);
  }
  const problem = commandArgumentProblem(spec.args, command.args);
  return problem ? reject(`The run recorded command ${command.command} on device ${command.deviceId} that the snapshot does not allow (${problem})`) : command;
}

function readSubscription(value: JsonValue, grantedIds: Set<string>): SubscriptionOp {
  const where = 'subscriptions[]';
  if (!isObject(value)) {
    return malformed(`${where} must be objects`);
  }
  const op = field(value, 'op');
  if (op === 'unsubscribe') {
    // unsubscribing from a device no longer granted is fine: it only removes
    return field(value, 'deviceIds') === undefined ? { op: 'unsubscribe' } : { op: 'unsubscribe', deviceIds: strings(arrayAt(value, 'deviceIds', where), `${where}.deviceIds`) };
  }
  if (op === 'subscribeLocation') {
    if (field(value, 'attribute') !== 'mode') {
      return malformed(`${where}.attribute of a location subscription must be mode`);
    }
    return {
      op: 'subscribeLocation',
      attribute: 'mode',
      value: nullableStringAt(value, 'value', where),
      handler: stringAt(value, 'handler', where),
      ...(field(value, 'includeOwn') === true ? { includeOwn: true as const } : {}),
    };
  }
  if (op !== 'subscribe') {
    return malformed(`${where}.op must be subscribe or unsubscribe`);
  }
  const deviceIds = strings(arrayAt(value, 'deviceIds', where), `${where}.deviceIds`);
  const foreign = deviceIds.find((id) => !grantedIds.has(id));
  if (foreign !== undefined) {
    return reject(`The run subscribed to device ${foreign}, which the snapshot does not grant`);
  }
  return {
    op: 'subscribe',
    deviceIds,
    attribute: stringAt(value, 'attribute', where),
    value: nullableStringAt(value, 'value', where),
    handler: stringAt(value, 'handler', where),
    ...(field(value, 'includeOwn') === true ? { includeOwn: true as const } : {}),
  };
}

function readSchedule(value: JsonValue): ScheduleOp {
  const where = 'schedules[]';
  if (!isObject(value)) {
    return malformed(`${where} must be objects`);
  }
  const op = field(value, 'op');
  if (op === 'runIn') {
    const seconds = field(value, 'seconds');
    const overwrite = field(value, 'overwrite');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return malformed(`${where}.seconds must be a non-negative number`);
    }
    if (typeof overwrite !== 'boolean') {
      return malformed(`${where}.overwrite must be a boolean`);
    }
    return { op: 'runIn', seconds, handler: stringAt(value, 'handler', where), data: field(value, 'data') ?? null, overwrite };
  }
  if (op === 'schedule') {
    return { op: 'schedule', cron: stringAt(value, 'cron', where), handler: stringAt(value, 'handler', where) };
  }
  if (op === 'unschedule') {
    return { op: 'unschedule', handler: nullableStringAt(value, 'handler', where) };
  }
  return malformed(`${where}.op must be runIn, schedule or unschedule`);
}

function readCallback(value: JsonValue): Callback {
  if (!isObject(value)) {
    return malformed('callbacks[] must be objects');
  }
  return { url: stringAt(value, 'url', 'callbacks[]'), body: field(value, 'body') ?? null };
}

function readNotice(value: JsonValue): Notice {
  if (!isObject(value)) {
    return malformed('notifications[] must be objects');
  }
  const kind = field(value, 'kind');
  if (kind !== 'push' && kind !== 'notification') {
    return malformed('notifications[].kind must be push or notification');
  }
  return { kind, message: stringAt(value, 'message', 'notifications[]') };
}

/** The parts a prelude without location support leaves out are optional. */
function locationRecords(records: JsonObject): Pick<RunRecords, 'locationMode' | 'notifications'> {
  const mode = field(records, 'locationMode');
  const notices = field(records, 'notifications');
  return {
    ...(mode === undefined || mode === null ? {} : { locationMode: typeof mode === 'string' ? mode : malformed('records.locationMode must be a string') }),
    ...(notices === undefined ? {} : { notifications: arrayAt(records, 'notifications', 'records').map(readNotice) }),
  };
}

function readResponse(value: JsonObject, limits: SandboxLimits): SandboxResponse {
  const kind = field(value, 'kind');
  if (kind === 'none') {
    return { kind: 'none' };
  }
  if (kind === 'render') {
    const status = field(value, 'status');
    const data = stringAt(value, 'data', 'response');
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      return malformed('response.status must be an integer from 200 to 599');
    }
    if (Buffer.byteLength(data) > limits.maxResultBytes) {
      return reject(`ctx.render's data is more than ${limits.maxResultBytes} bytes`);
    }
    const contentType = stringAt(value, 'contentType', 'response');
    const type = renderMediaType(contentType);
    if (!type) {
      return reject(`ctx.render cannot send ${JSON.stringify(contentType.slice(0, 100))}: the content type must be one of ${RENDER_CONTENT_TYPES.join(', ')}`);
    }
    return { kind: 'render', status, contentType: type, data };
  }
  if (kind !== 'value' || !Object.hasOwn(value, 'value')) {
    return malformed('response must be {kind:"none"} or {kind:"value", value}');
  }
  const result = value.value;
  if (jsonBytes(result) > limits.maxResultBytes) {
    return reject(`The handler's return value is more than ${limits.maxResultBytes} bytes as JSON`);
  }
  return { kind: 'value', value: result };
}

/** Reads the prelude's finish() output. `ok:false` means invalid_result, with a message for the developer. */
export function readRunOutput(text: string, snapshot: Snapshot, limits: SandboxLimits): Checked<RunRecords> {
  try {
    const output = parseUntrustedJson(text);
    if (!isObject(output)) {
      return malformed('the run output must be an object');
    }
    if (field(output, 'ok') !== true) {
      const message = field(output, 'message');
      return { ok: false, message: typeof message === 'string' ? message : 'The run produced no usable result' };
    }
    const state = objectAt(output, 'state', 'output');
    if (jsonBytes(state) > limits.maxResultBytes) {
      return reject(`ctx.state is more than ${limits.maxResultBytes} bytes as JSON`);
    }
    const atomic = field(output, 'atomicState');
    const atomicState = atomic === undefined ? undefined : objectAt(output, 'atomicState', 'output');
    if (atomicState && jsonBytes(atomicState) > limits.maxResultBytes) {
      return reject(`ctx.atomicState is more than ${limits.maxResultBytes} bytes as JSON`);
    }
    const records = objectAt(output, 'records', 'output');
    const grantedIds = new Set(Object.values(snapshot.deviceInputs).flatMap((input) => input.devices.map((d) => d.id)));
    return {
      ok: true,
      value: {
        response: readResponse(objectAt(output, 'response', 'output'), limits),
        state,
        ...(atomicState ? { atomicState } : {}),
        commands: arrayAt(records, 'commands', 'records').map((c) => readCommand(c, snapshot)),
        subscriptions: arrayAt(records, 'subscriptions', 'records').map((s) => readSubscription(s, grantedIds)),
        schedules: arrayAt(records, 'schedules', 'records').map(readSchedule),
        callbacks: arrayAt(records, 'callbacks', 'records').map(readCallback),
        ...locationRecords(records),
      },
    };
  } catch (err) {
    if (err instanceof OutputError) {
      return { ok: false, message: err.message };
    }
    if (err instanceof SyntaxError) {
      return { ok: false, message: `The sandbox output is not JSON: ${err.message}` };
    }
    throw err;
  }
}

const LIFECYCLE_KINDS: readonly string[] = ['function', 'absent', 'not_a_function'];

function lifecycleAt(lifecycle: JsonObject, name: 'installed' | 'updated' | 'uninstalled'): AppShape['lifecycle'][typeof name] {
  const value = field(lifecycle, name);
  if (value === 'function' || value === 'absent' || value === 'not_a_function') {
    return value;
  }
  return malformed(`lifecycle.${name} must be one of ${LIFECYCLE_KINDS.join(', ')}`);
}

function problemAt(value: JsonValue): { path: string; message: string } {
  if (!isObject(value)) {
    return malformed('problems[] must be objects');
  }
  return { path: stringAt(value, 'path', 'problems[]'), message: stringAt(value, 'message', 'problems[]') };
}

/** Reads the prelude's describeApp() output. */
export function readAppDescription(text: string): Checked<DescribedApp> {
  try {
    const output = parseUntrustedJson(text);
    if (!isObject(output)) {
      return malformed('the app description must be an object');
    }
    const lifecycle = objectAt(output, 'lifecycle', 'app');
    return {
      ok: true,
      value: {
        app: {
          definition: field(output, 'definition') ?? null,
          preferences: field(output, 'preferences') ?? null,
          mappings: field(output, 'mappings') ?? null,
          handlers: strings(arrayAt(output, 'handlers', 'app'), 'handlers'),
          nonFunctionHandlers: strings(arrayAt(output, 'nonFunctionHandlers', 'app'), 'nonFunctionHandlers'),
          lifecycle: {
            installed: lifecycleAt(lifecycle, 'installed'),
            updated: lifecycleAt(lifecycle, 'updated'),
            uninstalled: lifecycleAt(lifecycle, 'uninstalled'),
          },
        },
        problems: arrayAt(output, 'problems', 'app').map(problemAt),
      },
    };
  } catch (err) {
    if (err instanceof OutputError) {
      return { ok: false, message: err.message };
    }
    if (err instanceof SyntaxError) {
      return { ok: false, message: `The module's shape is not JSON: ${err.message}` };
    }
    throw err;
  }
}

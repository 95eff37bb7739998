/**
 * JavaScript evaluated inside QuickJS before the SmartApp module. It is a single function
 * expression: the host calls it with its two host functions and gets back the API it drives
 * a run with. Everything it needs from the language is captured up front, so a SmartApp that
 * replaces globals (JSON, Object.keys, Array.prototype.push, ...) cannot change how ctx
 * validates or records; whatever it records is validated again on the host anyway.
 *
 * Host API (all results are strings or plain values, never objects the host must walk):
 *   adopt(namespace)            -> '' or a message why the module's default export is unusable
 *   describeApp()               -> JSON of the app's shape (see sandbox.output.ts)
 *   start(kind, name, snapshotJson, limitsJson) -> whatever the handler returned (maybe a promise)
 *   finish(value)               -> JSON of the run's records, or {ok:false,message}
 *   describeError(thrown)       -> JSON {isError, name, message, stack?, fileName?, lineNumber?}
 *
 * Host functions it receives:
 *   hostLog(level, message)            -> records one log line (host truncates and counts)
 *   hostHttpError(status, message)     -> records the response; the prelude then throws a marker
 */
import { PRELUDE_LOCATION_SOURCE } from './sandbox.prelude-location';

export const PRELUDE_FILENAME = 'sandbox-prelude.js';

export const PRELUDE_SOURCE = String.raw`(function createSandboxPrelude(hostLog, hostHttpError) {
  'use strict';
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const objectKeys = Object.keys;
  const objectCreate = Object.create;
  const apply = Reflect.apply;
  const isArray = Array.isArray;
  const parseJson = JSON.parse;
  const stringifyJson = JSON.stringify;
  const toText = String;
  const isInteger = Number.isInteger;
  const isFiniteNumber = Number.isFinite;
  const TypeErrorCtor = TypeError;
  const ErrorCtor = Error;
  const hasOwnProperty = Object.prototype.hasOwnProperty;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const WeakMapCtor = WeakMap;
  const weakMapGet = WeakMap.prototype.get;
  const weakMapSet = WeakMap.prototype.set;

  function hasOwn(object, key) { return apply(hasOwnProperty, object, [key]); }
  function slice(text, start, end) { return apply(stringSlice, text, [start, end]); }
  function indexOf(text, search) { return apply(stringIndexOf, text, [search]); }
  // defineProperty instead of push or index assignment: immune to patched prototypes and setters
  function append(list, item) {
    defineProperty(list, list.length, { value: item, writable: true, enumerable: true, configurable: true });
  }
  function define(object, key, value) {
    defineProperty(object, key, { value: value, writable: false, enumerable: true, configurable: false });
  }
  function deepFreeze(value) {
    if (typeof value === 'object' && value !== null) {
      const keys = objectKeys(value);
      for (let i = 0; i < keys.length; i++) { deepFreeze(value[keys[i]]); }
      freeze(value);
    }
    return value;
  }
  function describeValue(value) {
    if (value === null) { return 'null'; }
    if (isArray(value)) { return 'an array'; }
    if (typeof value === 'string') { return stringifyJson(value); }
    if (typeof value === 'number' || typeof value === 'boolean') { return toText(value); }
    if (typeof value === 'object') { return 'an object'; }
    return 'a ' + typeof value;
  }
  function isErrorLike(value) {
    try {
      return typeof value === 'object' && value !== null && typeof value.message === 'string';
    } catch (err) {
      return false;
    }
  }
  function errorText(error) {
    try {
      const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'Error';
      return name + ': ' + error.message;
    } catch (err) {
      return 'Error';
    }
  }
  function jsonCopy(value, what) {
    if (value === undefined) { return null; }
    let json;
    try {
      json = stringifyJson(value);
    } catch (err) {
      throw new TypeErrorCtor(what + ' must be JSON-serialisable (' + errorText(err) + ')');
    }
    if (json === undefined) { throw new TypeErrorCtor(what + ' must be JSON-serialisable, got ' + describeValue(value)); }
    return deepFreeze(parseJson(json));
  }
  function requireName(value, what) {
    if (typeof value !== 'string' || value === '') {
      throw new TypeErrorCtor(what + ' must be a non-empty string, got ' + describeValue(value));
    }
    return value;
  }

  let app;
  let limits;
  let state;
  let logLinesSeen = 0;
  // per call: reset by start(), so a warm session (reused for its installation's next call) starts clean
  let records = { commands: [], subscriptions: [], schedules: [], callbacks: [] };
  const deviceOfProxy = new WeakMapCtor();

  // ---- logging ----
  function formatLogArgument(value) {
    if (typeof value === 'string') { return value; }
    if (value === undefined) { return 'undefined'; }
    if (typeof value === 'function') { return '[Function]'; }
    if (typeof value === 'symbol' || typeof value === 'bigint') { return toText(value); }
    if (typeof value === 'object' && value !== null) {
      if (isErrorLike(value)) { return errorText(value); }
      try {
        const json = stringifyJson(value);
        return json === undefined ? '[unserialisable object]' : json;
      } catch (err) {
        return '[unserialisable object]';
      }
    }
    return toText(value);
  }
  function logAt(level) {
    return function log() {
      logLinesSeen++;
      if (logLinesSeen > limits.maxLogLines) {
        // still tell the host, which counts the dropped lines
        hostLog(level, '');
        return;
      }
      let message = '';
      for (let i = 0; i < arguments.length; i++) {
        message += (i === 0 ? '' : ' ') + formatLogArgument(arguments[i]);
        if (message.length > limits.maxLogLineBytes) { break; }
      }
      hostLog(level, slice(message, 0, limits.maxLogLineBytes + 1));
    };
  }

  // ---- devices ----
  const PROXY_MEMBERS = ['id', 'label', 'displayName', 'capabilities', 'currentValue', 'currentState', 'toJSON', 'toString', 'valueOf', 'constructor', '__proto__'];
  function isProxyMember(name) {
    for (let i = 0; i < PROXY_MEMBERS.length; i++) { if (PROXY_MEMBERS[i] === name) { return true; } }
    return false;
  }
  function checkArguments(where, specs, args) {
    if (args.length !== specs.length) {
      let names = '';
      for (let i = 0; i < specs.length; i++) { names += (i === 0 ? '' : ', ') + specs[i].name; }
      throw new TypeErrorCtor(where + ' takes ' + specs.length + ' argument' + (specs.length === 1 ? '' : 's') +
        (specs.length === 0 ? '' : ' (' + names + ')') + ', got ' + args.length);
    }
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const value = args[i];
      const label = where + ': argument ' + (i + 1) + ' (' + spec.name + ')';
      if (spec.type === 'number' || spec.type === 'integer') {
        if (typeof value !== 'number' || !isFiniteNumber(value)) {
          throw new TypeErrorCtor(label + ' must be a number, got ' + describeValue(value));
        }
        if (spec.type === 'integer' && !isInteger(value)) {
          throw new TypeErrorCtor(label + ' must be an integer, got ' + describeValue(value));
        }
        if (hasOwn(spec, 'min') && typeof spec.min === 'number' && value < spec.min) {
          throw new TypeErrorCtor(label + ' must be at least ' + spec.min + ', got ' + value);
        }
        if (hasOwn(spec, 'max') && typeof spec.max === 'number' && value > spec.max) {
          throw new TypeErrorCtor(label + ' must be at most ' + spec.max + ', got ' + value);
        }
      } else if (spec.type === 'string') {
        if (typeof value !== 'string') {
          throw new TypeErrorCtor(label + ' must be a string, got ' + describeValue(value));
        }
      } else if (spec.type === 'enum') {
        const allowed = hasOwn(spec, 'values') && isArray(spec.values) ? spec.values : [];
        let found = false;
        let list = '';
        for (let j = 0; j < allowed.length; j++) {
          if (allowed[j] === value) { found = true; }
          list += (j === 0 ? '' : ', ') + stringifyJson(allowed[j]);
        }
        if (typeof value !== 'string' || !found) {
          throw new TypeErrorCtor(label + ' must be one of ' + list + ', got ' + describeValue(value));
        }
      } else {
        throw new TypeErrorCtor(label + ' has an unknown type ' + describeValue(spec.type));
      }
    }
  }
  function makeCommand(device, inputName, deviceState, spec) {
    const where = spec.name + '() on device ' + stringifyJson(device.label);
    return function command() {
      const args = [];
      for (let i = 0; i < arguments.length; i++) { append(args, arguments[i]); }
      checkArguments(where, spec.args, args);
      append(records.commands, freeze({ deviceId: device.id, inputName: inputName, command: spec.name, args: freeze(args) }));
      const sets = spec.sets;
      if (typeof sets === 'object' && sets !== null && typeof sets.attribute === 'string') {
        if (hasOwn(sets, 'value')) {
          deviceState[sets.attribute] = deepFreeze(sets.value);
        } else if (hasOwn(sets, 'fromArg') && typeof sets.fromArg === 'number' && sets.fromArg < args.length) {
          deviceState[sets.attribute] = args[sets.fromArg];
        }
      }
    };
  }
  function makeDeviceProxy(device, inputName, deviceState) {
    const proxy = {};
    define(proxy, 'id', device.id);
    define(proxy, 'label', device.label);
    define(proxy, 'displayName', device.label);
    define(proxy, 'capabilities', freeze(isArray(device.capabilities) ? device.capabilities : []));
    defineProperty(proxy, 'currentValue', { value: function currentValue(attribute) {
      const name = toText(attribute);
      if (!hasOwn(deviceState, name)) { return null; }
      const value = deviceState[name];
      return value === undefined ? null : value;
    } });
    defineProperty(proxy, 'currentState', { value: function currentState(attribute) {
      const name = toText(attribute);
      if (!hasOwn(deviceState, name)) { return null; }
      const value = deviceState[name];
      return freeze({ name: name, value: value === undefined ? null : value });
    } });
    const commands = isArray(device.commands) ? device.commands : [];
    for (let i = 0; i < commands.length; i++) {
      const spec = commands[i];
      if (typeof spec.name === 'string' && !isProxyMember(spec.name) && !hasOwn(proxy, spec.name)) {
        defineProperty(proxy, spec.name, { value: makeCommand(device, inputName, deviceState, spec) });
      }
    }
    apply(weakMapSet, deviceOfProxy, [proxy, device.id]);
    return freeze(proxy);
  }
  function addDeviceInputs(settings, deviceInputs) {
    // one state object per device id: a command through one input is seen through every other
    const stateById = objectCreate(null);
    const inputNames = objectKeys(deviceInputs);
    for (let i = 0; i < inputNames.length; i++) {
      const inputName = inputNames[i];
      const input = deviceInputs[inputName];
      const proxies = [];
      const devices = isArray(input.devices) ? input.devices : [];
      for (let j = 0; j < devices.length; j++) {
        const device = devices[j];
        if (!hasOwn(stateById, device.id)) {
          const deviceState = objectCreate(null);
          const source = typeof device.state === 'object' && device.state !== null ? device.state : {};
          const attributes = objectKeys(source);
          for (let k = 0; k < attributes.length; k++) { deviceState[attributes[k]] = deepFreeze(source[attributes[k]]); }
          stateById[device.id] = deviceState;
        }
        append(proxies, makeDeviceProxy(device, inputName, stateById[device.id]));
      }
      const value = input.multiple ? freeze(proxies) : (proxies.length > 0 ? proxies[0] : null);
      defineProperty(settings, inputName, { value: value, writable: false, enumerable: true, configurable: true });
    }
  }
  function deviceIdsOf(devices, where) {
    if (devices === null || devices === undefined) { return []; }
    const list = isArray(devices) ? devices : [devices];
    const ids = [];
    for (let i = 0; i < list.length; i++) {
      const id = typeof list[i] === 'object' && list[i] !== null ? apply(weakMapGet, deviceOfProxy, [list[i]]) : undefined;
      if (id === undefined) {
        throw new TypeErrorCtor(where + ': devices must be a device from ctx.settings, an array of them, or null; item ' + (i + 1) + ' is ' + describeValue(list[i]));
      }
      let seen = false;
      for (let j = 0; j < ids.length; j++) { if (ids[j] === id) { seen = true; } }
      if (!seen) { append(ids, id); }
    }
    return ids;
  }

${PRELUDE_LOCATION_SOURCE}
  // ---- ctx ----
  function httpError(status, message) {
    const text = message === undefined ? '' : (typeof message === 'string' ? message : formatLogArgument(message));
    hostHttpError(typeof status === 'number' ? status : NaN, slice(text, 0, limits.maxLogLineBytes + 1));
    // a fresh, inert object: if handler code catches it, the host already holds the response
    throw freeze({ name: 'HttpError', message: 'ctx.httpError(' + describeValue(status) + ') ended the request', status: status });
  }
  function subscribe(devices, attribute, handler, options) {
    if (isLocation(devices)) { return subscribeLocation(attribute, handler, options); }
    const ids = deviceIdsOf(devices, 'ctx.subscribe');
    requireName(attribute, 'ctx.subscribe: the attribute');
    requireName(handler, 'ctx.subscribe: the handler name');
    if (ids.length === 0) { return; }
    const dot = indexOf(attribute, '.');
    const name = dot < 0 ? attribute : slice(attribute, 0, dot);
    const value = dot < 0 ? null : slice(attribute, dot + 1);
    requireName(name, 'ctx.subscribe: the attribute name');
    const record = { op: 'subscribe', deviceIds: freeze(ids), attribute: name, value: value === '' ? null : value, handler: handler };
    if (options !== null && typeof options === 'object' && options.includeOwn === true) { record.includeOwn = true; }
    append(records.subscriptions, freeze(record));
  }
  function unsubscribe() {
    append(records.subscriptions, freeze({ op: 'unsubscribe' }));
  }
  function runIn(seconds, handler, options) {
    if (typeof seconds !== 'number' || !isFiniteNumber(seconds) || seconds < 0) {
      throw new TypeErrorCtor('ctx.runIn: seconds must be a non-negative number, got ' + describeValue(seconds));
    }
    requireName(handler, 'ctx.runIn: the handler name');
    let data = null;
    let overwrite = true;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object' || isArray(options)) {
        throw new TypeErrorCtor('ctx.runIn: options must be an object like { data, overwrite }, got ' + describeValue(options));
      }
      data = jsonCopy(options.data, 'ctx.runIn: options.data');
      if (options.overwrite !== undefined) {
        if (typeof options.overwrite !== 'boolean') {
          throw new TypeErrorCtor('ctx.runIn: options.overwrite must be a boolean, got ' + describeValue(options.overwrite));
        }
        overwrite = options.overwrite;
      }
    }
    append(records.schedules, freeze({ op: 'runIn', seconds: seconds, handler: handler, data: data, overwrite: overwrite }));
  }
  function schedule(cron, handler) {
    requireName(cron, 'ctx.schedule: the cron expression');
    requireName(handler, 'ctx.schedule: the handler name');
    append(records.schedules, freeze({ op: 'schedule', cron: cron, handler: handler }));
  }
  function unschedule(handler) {
    if (handler === undefined || handler === null) {
      append(records.schedules, freeze({ op: 'unschedule', handler: null }));
      return;
    }
    requireName(handler, 'ctx.unschedule: the handler name');
    append(records.schedules, freeze({ op: 'unschedule', handler: handler }));
  }
  function httpPostJson(url, body) {
    requireName(url, 'ctx.httpPostJson: the url');
    append(records.callbacks, freeze({ url: url, body: jsonCopy(body, 'ctx.httpPostJson: the body') }));
  }
  function buildCtx(snapshot) {
    const settings = {};
    const plainSettings = snapshot.settings;
    const settingNames = objectKeys(plainSettings);
    for (let i = 0; i < settingNames.length; i++) {
      defineProperty(settings, settingNames[i], { value: deepFreeze(plainSettings[settingNames[i]]), writable: false, enumerable: true, configurable: true });
    }
    addDeviceInputs(settings, snapshot.deviceInputs);
    freeze(settings);
    const body = deepFreeze(snapshot.body === undefined ? null : snapshot.body);
    state = snapshot.state;
    return freeze({
      installationId: snapshot.installationId,
      settings: settings,
      params: deepFreeze(snapshot.params),
      body: body,
      request: freeze({ JSON: body }),
      headers: deepFreeze(snapshot.headers),
      location: buildLocation(snapshot),
      now: snapshot.now,
      state: state,
      log: freeze({ debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') }),
      httpError: httpError,
      subscribe: subscribe,
      unsubscribe: unsubscribe,
      runIn: runIn,
      schedule: schedule,
      unschedule: unschedule,
      httpPostJson: httpPostJson,
      setLocationMode: setLocationMode,
      getSunriseAndSunset: getSunriseAndSunset,
      timeToday: timeToday,
      sendPush: sendPush,
      sendNotification: sendNotification,
    });
  }

  // ---- host API ----
  function adopt(namespace) {
    if (typeof namespace !== 'object' || namespace === null || !hasOwn(namespace, 'default')) {
      return 'The module has no default export: it must end in "export default { ... }"';
    }
    const candidate = namespace.default;
    if (typeof candidate !== 'object' || candidate === null || isArray(candidate)) {
      return 'The default export must be a plain object like { definition, preferences, handlers }, but it is ' + describeValue(candidate);
    }
    app = candidate;
    return '';
  }
  function jsonPart(value, path, problems) {
    if (value === undefined) { return null; }
    try {
      const json = stringifyJson(value);
      return json === undefined ? null : parseJson(json);
    } catch (err) {
      append(problems, { path: path, message: path + ' is not JSON-serialisable: ' + errorText(err) });
      return null;
    }
  }
  function lifecycleKind(name, problems) {
    try {
      const value = app[name];
      return value === undefined ? 'absent' : (typeof value === 'function' ? 'function' : 'not_a_function');
    } catch (err) {
      append(problems, { path: name, message: 'reading ' + name + ' threw ' + errorText(err) });
      return 'not_a_function';
    }
  }
  function describeApp() {
    const problems = [];
    const shape = {
      definition: jsonPart(app.definition, 'definition', problems),
      preferences: jsonPart(app.preferences, 'preferences', problems),
      mappings: jsonPart(app.mappings, 'mappings', problems),
      handlers: [],
      nonFunctionHandlers: [],
      lifecycle: {
        installed: lifecycleKind('installed', problems),
        updated: lifecycleKind('updated', problems),
        uninstalled: lifecycleKind('uninstalled', problems),
      },
      problems: problems,
    };
    const handlers = app.handlers;
    if (handlers !== undefined && handlers !== null) {
      if (typeof handlers !== 'object' || isArray(handlers)) {
        append(problems, { path: 'handlers', message: 'handlers must be an object of functions, but it is ' + describeValue(handlers) });
      } else {
        const names = objectKeys(handlers);
        for (let i = 0; i < names.length; i++) {
          let isFunction = false;
          try { isFunction = typeof handlers[names[i]] === 'function'; } catch (err) { isFunction = false; }
          append(isFunction ? shape.handlers : shape.nonFunctionHandlers, names[i]);
        }
      }
    }
    return stringifyJson(shape);
  }
  function start(kind, name, snapshotJson, limitsJson) {
    limits = parseJson(limitsJson);
    logLinesSeen = 0;
    records = { commands: [], subscriptions: [], schedules: [], callbacks: [] };
    state = undefined;
    const snapshot = parseJson(snapshotJson);
    const ctx = buildCtx(snapshot);
    if (kind === 'lifecycle') {
      const lifecycle = app[name];
      if (lifecycle === undefined) { return undefined; }
      if (typeof lifecycle !== 'function') {
        throw new TypeErrorCtor('The SmartApp\'s ' + name + ' is ' + describeValue(lifecycle) + ', not a function');
      }
      return apply(lifecycle, app, [ctx]);
    }
    const handlers = app.handlers;
    const handler = typeof handlers === 'object' && handlers !== null && hasOwn(handlers, name) ? handlers[name] : undefined;
    if (handler === undefined) {
      throw new ErrorCtor('The SmartApp has no handler named ' + stringifyJson(name) + ' in handlers');
    }
    if (typeof handler !== 'function') {
      throw new TypeErrorCtor('handlers.' + name + ' is ' + describeValue(handler) + ', not a function');
    }
    if (kind === 'event') {
      const event = snapshot.event === undefined ? null : deepFreeze(snapshot.event);
      return apply(handler, handlers, [ctx, event]);
    }
    return apply(handler, handlers, [ctx]);
  }
  function invalid(message) {
    return stringifyJson({ ok: false, message: message });
  }
  function finish(value) {
    let response;
    if (value === undefined) {
      response = '{"kind":"none"}';
    } else {
      let json;
      try {
        json = stringifyJson(value);
      } catch (err) {
        return invalid('The handler\'s return value is not JSON-serialisable (' + errorText(err) + ')');
      }
      if (typeof json !== 'string') {
        return invalid('The handler returned ' + describeValue(value) + ', which has no JSON form');
      }
      if (json.length > limits.maxResultBytes) {
        return invalid('The handler\'s return value is more than ' + limits.maxResultBytes + ' bytes as JSON');
      }
      response = '{"kind":"value","value":' + json + '}';
    }
    let stateJson;
    try {
      stateJson = stringifyJson(state);
    } catch (err) {
      return invalid('ctx.state is not JSON-serialisable (' + errorText(err) + ')');
    }
    if (typeof stateJson !== 'string') {
      return invalid('ctx.state has no JSON form');
    }
    if (stateJson.length > limits.maxResultBytes) {
      return invalid('ctx.state is more than ' + limits.maxResultBytes + ' bytes as JSON');
    }
    let recordsJson;
    try {
      recordsJson = stringifyJson(records);
    } catch (err) {
      return invalid('The run\'s records could not be serialised (' + errorText(err) + ')');
    }
    return '{"ok":true,"response":' + response + ',"state":' + stateJson + ',"records":' + recordsJson + '}';
  }
  function describeError(thrown) {
    if (isErrorLike(thrown)) {
      let stack;
      try { stack = typeof thrown.stack === 'string' ? thrown.stack : undefined; } catch (err) { stack = undefined; }
      let name = 'Error';
      try { name = typeof thrown.name === 'string' && thrown.name !== '' ? thrown.name : 'Error'; } catch (err) { name = 'Error'; }
      let lineNumber;
      let fileName;
      try { lineNumber = typeof thrown.lineNumber === 'number' ? thrown.lineNumber : undefined; } catch (err) { lineNumber = undefined; }
      try { fileName = typeof thrown.fileName === 'string' ? thrown.fileName : undefined; } catch (err) { fileName = undefined; }
      let message = '';
      try { message = toText(thrown.message); } catch (err) { message = ''; }
      return stringifyJson({ isError: true, name: name, message: message, stack: stack, fileName: fileName, lineNumber: lineNumber });
    }
    let text;
    try {
      text = typeof thrown === 'string' ? stringifyJson(thrown) : formatLogArgument(thrown);
    } catch (err) {
      text = describeValue(thrown);
    }
    return stringifyJson({ isError: false, name: '', message: text });
  }
  return freeze({ adopt: adopt, describeApp: describeApp, start: start, finish: finish, describeError: describeError });
})`;

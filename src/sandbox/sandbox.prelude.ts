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
 *   hostRequest(paramsJson)            -> '{"id":n}' (answered later through respond) or '{"error":message}'
 *
 * The host answers an outstanding request with respond(id, resultJson), then runs the VM's jobs.
 */
import { PRELUDE_LOCATION_SOURCE } from './sandbox.prelude-location';

export const PRELUDE_FILENAME = 'sandbox-prelude.js';

export const PRELUDE_SOURCE = String.raw`(function createSandboxPrelude(hostLog, hostHttpError, hostRequest) {
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
  const DateCtor = Date;
  const dateGetTime = Date.prototype.getTime;
  const stringToLowerCase = String.prototype.toLowerCase;
  const weakMapGet = WeakMap.prototype.get;
  const weakMapSet = WeakMap.prototype.set;
  const PromiseCtor = Promise;
  const random = Math.random;
  const floor = Math.floor;

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
  let nowIso = '';
  // per call: reset by start(), so a warm session (reused for its installation's next call) starts clean
  let records = { commands: [], subscriptions: [], schedules: [], callbacks: [] };
  const deviceOfProxy = new WeakMapCtor();
  let atomicState;
  let atomicStart = 'null';
  let rendered = null;
  // outstanding host requests of this run: id -> { resolve, reject, callback }
  let pending = objectCreate(null);
  // device id -> its proxy, for the device of an event (per call, reset with the ctx)
  let proxyById = objectCreate(null);

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
  const PROXY_MEMBERS = ['id', 'name', 'label', 'displayName', 'capabilities', 'supportedAttributes', 'supportedCommands', 'hasCapability', 'hasCommand',
    'currentValue', 'latestValue', 'currentState', 'events', 'toJSON', 'toString', 'valueOf', 'constructor', '__proto__'];
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
      } else if (spec.type === 'color') {
        if (typeof value !== 'object' || value === null || isArray(value)) {
          throw new TypeErrorCtor(label + ' must be an object like { hue, saturation } or { hex: "#RRGGBB" }, got ' + describeValue(value));
        }
        // ranges and the hex form are checked by the platform when it runs the command
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
  function makeCommand(device, inputName, deviceState, deviceDates, spec) {
    const where = spec.name + '() on device ' + stringifyJson(device.label);
    return function command() {
      const args = [];
      for (let i = 0; i < arguments.length; i++) { append(args, arguments[i]); }
      checkArguments(where, spec.args, args);
      append(records.commands, freeze({ deviceId: device.id, inputName: inputName, command: spec.name, args: freeze(args) }));
      const sets = spec.sets;
      const at = new DateCtor(nowIso);
      if (typeof sets === 'object' && sets !== null && typeof sets.attribute === 'string') {
        if (hasOwn(sets, 'value')) {
          deviceState[sets.attribute] = deepFreeze(sets.value);
          deviceDates[sets.attribute] = at;
        } else if (hasOwn(sets, 'fromArg') && typeof sets.fromArg === 'number' && sets.fromArg < args.length) {
          deviceState[sets.attribute] = args[sets.fromArg];
          deviceDates[sets.attribute] = at;
        }
      } else if (spec.args.length === 1 && spec.args[0].type === 'color') {
        const map = args[0];
        const keys = [['hue', 'hue'], ['saturation', 'saturation'], ['hex', 'color']];
        for (let i = 0; i < keys.length; i++) {
          if (hasOwn(map, keys[i][0])) {
            deviceState[keys[i][1]] = deepFreeze(map[keys[i][0]]);
            deviceDates[keys[i][1]] = at;
          }
        }
      }
    };
  }
  // "Switch Level" and "switchLevel" alike: no spaces, lower case (no RegExp: its prototype is the app's)
  function compactName(value) {
    const text = apply(stringToLowerCase, toText(value), []);
    let result = '';
    for (let i = 0; i < text.length; i++) {
      const ch = slice(text, i, i + 1);
      if (ch !== ' ' && ch !== '\t' && ch !== '\n') { result += ch; }
    }
    return result;
  }
  function nameList(names) {
    const list = [];
    for (let i = 0; i < names.length; i++) { append(list, freeze({ name: names[i] })); }
    return freeze(list);
  }
  function classicCapabilities(device) {
    const list = [];
    const granted = isArray(device.granted) ? device.granted : [];
    for (let i = 0; i < granted.length; i++) {
      const c = granted[i];
      append(list, freeze({ name: c.name, attributes: nameList(c.attributes), commands: nameList(c.commands) }));
    }
    return freeze(list);
  }
  function makeDeviceEvents(device) {
    const source = isArray(device.events) ? device.events : [];
    const events = [];
    for (let i = 0; i < source.length; i++) {
      const e = source[i];
      append(events, freeze({ name: e.name, value: deepFreeze(e.value), unit: e.unit, date: new DateCtor(e.date), deviceId: device.id, displayName: device.label }));
    }
    return events;
  }
  function makeDeviceProxy(device, inputName, holder) {
    const deviceState = holder.state;
    const deviceDates = holder.dates;
    const proxy = {};
    const capabilities = classicCapabilities(device);
    const commands = isArray(device.commands) ? device.commands : [];
    const ourNames = isArray(device.capabilities) ? device.capabilities : [];
    const attributeNames = [];
    for (let i = 0; i < capabilities.length; i++) {
      for (let j = 0; j < capabilities[i].attributes.length; j++) {
        const name = capabilities[i].attributes[j].name;
        let seen = false;
        for (let k = 0; k < attributeNames.length; k++) { if (attributeNames[k] === name) { seen = true; } }
        if (!seen) { append(attributeNames, name); }
      }
    }
    const commandNames = [];
    for (let i = 0; i < commands.length; i++) { append(commandNames, commands[i].name); }
    define(proxy, 'id', device.id);
    define(proxy, 'name', typeof device.name === 'string' ? device.name : device.label);
    define(proxy, 'label', device.label);
    define(proxy, 'displayName', device.label);
    define(proxy, 'capabilities', capabilities);
    defineProperty(proxy, 'supportedAttributes', { value: nameList(attributeNames) });
    defineProperty(proxy, 'supportedCommands', { value: nameList(commandNames) });
    defineProperty(proxy, 'hasCapability', { value: function hasCapability(name) {
      const wanted = compactName(name);
      for (let i = 0; i < capabilities.length; i++) { if (compactName(capabilities[i].name) === wanted) { return true; } }
      for (let i = 0; i < ourNames.length; i++) { if (compactName(ourNames[i]) === wanted) { return true; } }
      return false;
    } });
    defineProperty(proxy, 'hasCommand', { value: function hasCommand(name) {
      for (let i = 0; i < commandNames.length; i++) { if (commandNames[i] === name) { return true; } }
      return false;
    } });
    function currentValue(attribute) {
      const name = toText(attribute);
      if (!hasOwn(deviceState, name)) { return null; }
      const value = deviceState[name];
      return value === undefined ? null : value;
    }
    defineProperty(proxy, 'currentValue', { value: currentValue });
    defineProperty(proxy, 'latestValue', { value: function latestValue(attribute) { return currentValue(attribute); } });
    defineProperty(proxy, 'currentState', { value: function currentState(attribute) {
      const name = toText(attribute);
      if (!hasOwn(deviceState, name)) { return null; }
      const value = deviceState[name];
      const date = hasOwn(deviceDates, name) ? new DateCtor(apply(dateGetTime, deviceDates[name], [])) : new DateCtor(nowIso);
      return freeze({ name: name, value: value === undefined ? null : value, date: date, unixTime: apply(dateGetTime, date, []) });
    } });
    defineProperty(proxy, 'events', { value: function events(max) {
      const limit = max === undefined ? 10 : max;
      if (typeof limit !== 'number' || !isInteger(limit) || limit < 0) {
        throw new TypeErrorCtor('events() on device ' + stringifyJson(device.label) + ': max must be a non-negative whole number, got ' + describeValue(max));
      }
      const list = [];
      const recentEvents = holder.events;
      for (let i = 0; i < recentEvents.length && i < limit; i++) { append(list, recentEvents[i]); }
      return list;
    } });
    for (let i = 0; i < commands.length; i++) {
      const spec = commands[i];
      if (typeof spec.name === 'string' && !isProxyMember(spec.name) && !hasOwn(proxy, spec.name)) {
        defineProperty(proxy, spec.name, { value: makeCommand(device, inputName, deviceState, deviceDates, spec) });
      }
    }
    apply(weakMapSet, deviceOfProxy, [proxy, device.id]);
    return freeze(proxy);
  }
  // A warm session keeps its device proxies: building one is most of a call's cost. A proxy reads
  // its device's holder, refilled from each call's snapshot, so it always shows this call's state;
  // the host sends a device whose description has not changed as { id, reuse: true, state, ... }.
  // id -> { state, dates, events }: one holder per device, so a command through one input is seen through every other
  const holders = objectCreate(null);
  // input name + NUL + device id -> proxy
  const proxies = objectCreate(null);
  function refill(holder, device) {
    const deviceState = holder.state;
    const deviceDates = holder.dates;
    let keys = objectKeys(deviceState);
    for (let k = 0; k < keys.length; k++) { delete deviceState[keys[k]]; }
    keys = objectKeys(deviceDates);
    for (let k = 0; k < keys.length; k++) { delete deviceDates[keys[k]]; }
    const source = typeof device.state === 'object' && device.state !== null ? device.state : {};
    const dates = typeof device.stateDates === 'object' && device.stateDates !== null ? device.stateDates : {};
    const attributes = objectKeys(source);
    for (let k = 0; k < attributes.length; k++) {
      deviceState[attributes[k]] = deepFreeze(source[attributes[k]]);
      if (typeof dates[attributes[k]] === 'string') { deviceDates[attributes[k]] = new DateCtor(dates[attributes[k]]); }
    }
    holder.events = makeDeviceEvents(device);
  }
  function addDeviceInputs(settings, deviceInputs) {
    const refilled = objectCreate(null);
    proxyById = objectCreate(null);
    const inputNames = objectKeys(deviceInputs);
    for (let i = 0; i < inputNames.length; i++) {
      const inputName = inputNames[i];
      const input = deviceInputs[inputName];
      const list = [];
      const devices = isArray(input.devices) ? input.devices : [];
      for (let j = 0; j < devices.length; j++) {
        const device = devices[j];
        if (!hasOwn(holders, device.id)) { holders[device.id] = { state: objectCreate(null), dates: objectCreate(null), events: [] }; }
        const holder = holders[device.id];
        if (!hasOwn(refilled, device.id)) {
          refill(holder, device);
          refilled[device.id] = true;
        }
        const key = inputName + '\u0000' + device.id;
        if (!(hasOwn(device, 'reuse') && device.reuse === true)) {
          proxies[key] = makeDeviceProxy(device, inputName, holder);
        } else if (!hasOwn(proxies, key)) {
          throw new ErrorCtor('The sandbox lost device ' + device.id + ' of input ' + inputName);
        }
        const proxy = proxies[key];
        if (!hasOwn(proxyById, device.id)) { proxyById[device.id] = proxy; }
        append(list, proxy);
      }
      const value = input.multiple ? freeze(list) : (list.length > 0 ? list[0] : null);
      defineProperty(settings, inputName, { value: value, writable: false, enumerable: true, configurable: true });
    }
  }
  // what an event handler gets: the event's fields, its date as a Date, and the device's proxy when granted
  function makeEvent(event) {
    if (event === undefined || event === null) { return null; }
    const result = {};
    const keys = objectKeys(event);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      define(result, key, key === 'date' && typeof event.date === 'string' ? new DateCtor(event.date) : deepFreeze(event[key]));
    }
    if (typeof event.deviceId === 'string' && hasOwn(proxyById, event.deviceId)) {
      defineProperty(result, 'device', { value: proxyById[event.deviceId], writable: false, enumerable: false, configurable: false });
    }
    return freeze(result);
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
  function unsubscribe(devices) {
    if (devices === undefined || devices === null) {
      append(records.subscriptions, freeze({ op: 'unsubscribe' }));
      return;
    }
    const ids = deviceIdsOf(devices, 'ctx.unsubscribe');
    if (ids.length === 0) { return; }
    append(records.subscriptions, freeze({ op: 'unsubscribe', deviceIds: freeze(ids) }));
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
  // classic runEvery*: a cron at a random offset within the period, so apps do not all run at :00
  function runEveryMinutes(minutes, what) {
    return function runEvery(handler) {
      requireName(handler, 'ctx.' + what + ': the handler name');
      const second = floor(random() * 60);
      let cron;
      if (minutes === 1) {
        cron = second + ' * * * * *';
      } else if (minutes < 60) {
        cron = second + ' ' + floor(random() * minutes) + '-59/' + minutes + ' * * * *';
      } else {
        const hours = minutes / 60;
        const hour = hours === 1 ? '*' : floor(random() * hours) + '-23/' + hours;
        cron = second + ' ' + floor(random() * 60) + ' ' + hour + ' * * *';
      }
      append(records.schedules, freeze({ op: 'schedule', cron: cron, handler: handler }));
    };
  }

  // ---- outgoing HTTP (answered by the host) ----
  function requestParams(what, method, args) {
    let params = args[0];
    let callback;
    let body;
    if (typeof params === 'string') {
      params = { uri: params };
      if (typeof args[1] === 'function') { callback = args[1]; } else if (args.length > 1) { body = args[1]; callback = typeof args[2] === 'function' ? args[2] : undefined; }
    } else {
      callback = typeof args[1] === 'function' ? args[1] : undefined;
    }
    if (typeof params !== 'object' || params === null || isArray(params)) {
      throw new TypeErrorCtor(what + ': the first argument must be a URL string or { uri, path, query, headers, body }, got ' + describeValue(params));
    }
    if (args[1] !== undefined && typeof args[1] !== 'function' && typeof args[0] !== 'string') {
      throw new TypeErrorCtor(what + ': the second argument must be a callback function, got ' + describeValue(args[1]));
    }
    const copy = jsonCopy({
      method: method,
      uri: params.uri, path: params.path, query: params.query, headers: params.headers,
      body: body !== undefined ? body : params.body,
      contentType: params.contentType, requestContentType: params.requestContentType,
    }, what + ': the request');
    return { params: copy, callback: callback };
  }
  function startRequest(what, params, callback) {
    const answer = parseJson(hostRequest(stringifyJson(params)));
    if (typeof answer.error === 'string') {
      return PromiseCtor.reject(new ErrorCtor(what + ': ' + answer.error));
    }
    return new PromiseCtor(function (resolve, reject) {
      pending[answer.id] = { resolve: resolve, reject: reject, callback: callback, what: what };
    });
  }
  function httpMethod(method, what) {
    return function request() {
      const args = [];
      for (let i = 0; i < arguments.length; i++) { append(args, arguments[i]); }
      const parsed = requestParams(what, method, args);
      return startRequest(what, parsed.params, parsed.callback);
    };
  }
  function respond(id, resultJson) {
    const entry = pending[id];
    if (entry === undefined) { return; }
    delete pending[id];
    const result = parseJson(resultJson);
    if (typeof result.error === 'string') {
      entry.reject(new ErrorCtor(entry.what + ': ' + result.error));
      return;
    }
    const response = deepFreeze({ status: result.status, headers: result.headers, data: result.data });
    entry.resolve(response);
    // as in classic, an exception in the response closure fails the run
    if (entry.callback !== undefined) { apply(entry.callback, undefined, [response]); }
  }
  function httpPostJsonCtx(url, body) {
    // ctx.httpPostJson(url, body): the signed, outbox-delivered callback; any other form waits for the response
    const params = typeof url === 'object' && url !== null && !isArray(url);
    if (!params && typeof body !== 'function' && typeof arguments[2] !== 'function') {
      httpPostJson(url, body);
      return undefined;
    }
    const args = [];
    for (let i = 0; i < arguments.length; i++) { append(args, arguments[i]); }
    const parsed = requestParams('ctx.httpPostJson', 'POST', args);
    return startRequest('ctx.httpPostJson', parsed.params, parsed.callback);
  }
  function sendHubCommand(command) {
    if (typeof command !== 'object' || command === null || isArray(command)) {
      throw new TypeErrorCtor('ctx.sendHubCommand: the argument must be { method, path, headers: { HOST }, query, body }, got ' + describeValue(command));
    }
    const headers = typeof command.headers === 'object' && command.headers !== null ? command.headers : {};
    const host = typeof headers.HOST === 'string' ? headers.HOST : headers.host;
    requireName(host, 'ctx.sendHubCommand: headers.HOST');
    const method = command.method === undefined ? 'GET' : requireName(command.method, 'ctx.sendHubCommand: the method');
    const params = jsonCopy({ method: method, uri: 'http://' + host, path: command.path, query: command.query, headers: headers, body: command.body, hub: true }, 'ctx.sendHubCommand: the request');
    return startRequest('ctx.sendHubCommand', params, undefined);
  }
  function render(options) {
    if (typeof options !== 'object' || options === null || isArray(options)) {
      throw new TypeErrorCtor('ctx.render: the argument must be { contentType, data, status }, got ' + describeValue(options));
    }
    const data = options.data === undefined || options.data === null ? '' : options.data;
    if (typeof data !== 'string') {
      throw new TypeErrorCtor('ctx.render: data must be a string, got ' + describeValue(data));
    }
    const status = options.status === undefined ? 200 : options.status;
    if (!isInteger(status) || status < 200 || status > 599) {
      throw new TypeErrorCtor('ctx.render: status must be an integer from 200 to 599, got ' + describeValue(status));
    }
    const contentType = options.contentType === undefined ? 'text/plain' : requireName(options.contentType, 'ctx.render: contentType');
    rendered = freeze({ contentType: contentType, data: data, status: status });
  }
  function appOf(snapshot) {
    const source = typeof snapshot.app === 'object' && snapshot.app !== null ? snapshot.app : { id: snapshot.installationId, label: '', name: '', subscriptions: [] };
    const subscriptions = [];
    const list = isArray(source.subscriptions) ? source.subscriptions : [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const device = s.device === null || s.device === undefined ? null
        : { id: s.device.id, name: s.device.name, label: s.device.label, displayName: s.device.label || s.device.name };
      // classic: unsubscribe(device) takes a subscription's device even when it is no longer in settings
      if (device !== null) { apply(weakMapSet, deviceOfProxy, [device, device.id]); }
      append(subscriptions, { id: s.id, device: device, attribute: s.attribute, value: s.value === undefined ? null : s.value, handler: s.handler });
    }
    return deepFreeze({ id: source.id, label: source.label, name: source.name, subscriptions: subscriptions });
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
    atomicState = typeof snapshot.atomicState === 'object' && snapshot.atomicState !== null ? snapshot.atomicState : {};
    atomicStart = stringifyJson(atomicState);
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
      httpPostJson: httpPostJsonCtx,
      atomicState: atomicState,
      app: appOf(snapshot),
      runEvery1Minute: runEveryMinutes(1, 'runEvery1Minute'),
      runEvery5Minutes: runEveryMinutes(5, 'runEvery5Minutes'),
      runEvery10Minutes: runEveryMinutes(10, 'runEvery10Minutes'),
      runEvery15Minutes: runEveryMinutes(15, 'runEvery15Minutes'),
      runEvery30Minutes: runEveryMinutes(30, 'runEvery30Minutes'),
      runEvery1Hour: runEveryMinutes(60, 'runEvery1Hour'),
      runEvery3Hours: runEveryMinutes(180, 'runEvery3Hours'),
      httpGet: httpMethod('GET', 'ctx.httpGet'),
      httpPost: httpMethod('POST', 'ctx.httpPost'),
      httpPutJson: httpMethod('PUT', 'ctx.httpPutJson'),
      httpDelete: httpMethod('DELETE', 'ctx.httpDelete'),
      sendHubCommand: sendHubCommand,
      render: render,
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
    rendered = null;
    pending = objectCreate(null);
    const snapshot = parseJson(snapshotJson);
    nowIso = snapshot.now;
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
      const event = makeEvent(snapshot.event);
      return apply(handler, handlers, [ctx, event]);
    }
    return apply(handler, handlers, [ctx]);
  }
  function invalid(message) {
    return stringifyJson({ ok: false, message: message });
  }
  function finish(value) {
    let response;
    if (rendered !== null) {
      response = stringifyJson({ kind: 'render', contentType: rendered.contentType, data: rendered.data, status: rendered.status });
    } else if (value === undefined) {
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
    let atomicJson;
    try {
      atomicJson = stringifyJson(atomicState);
    } catch (err) {
      return invalid('ctx.atomicState is not JSON-serialisable (' + errorText(err) + ')');
    }
    if (typeof atomicJson !== 'string') {
      return invalid('ctx.atomicState has no JSON form');
    }
    if (atomicJson.length > limits.maxResultBytes) {
      return invalid('ctx.atomicState is more than ' + limits.maxResultBytes + ' bytes as JSON');
    }
    let recordsJson;
    try {
      recordsJson = stringifyJson(records);
    } catch (err) {
      return invalid('The run\'s records could not be serialised (' + errorText(err) + ')');
    }
    const atomicPart = atomicJson === atomicStart ? '' : ',"atomicState":' + atomicJson;
    return '{"ok":true,"response":' + response + ',"state":' + stateJson + atomicPart + ',"records":' + recordsJson + '}';
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
  return freeze({ adopt: adopt, describeApp: describeApp, start: start, finish: finish, describeError: describeError, respond: respond });
})`;

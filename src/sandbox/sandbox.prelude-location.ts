/**
 * The location part of the prelude (ctx.location, setLocationMode, mode subscriptions, sunrise and
 * sunset, timeToday, sendPush / sendNotification). It is spliced into PRELUDE_SOURCE before the ctx
 * section, so it shares the prelude's captured helpers (define, append, freeze, records, ...).
 * Everything time-zone related was computed on the host: QuickJS has no Intl.
 */
export const PRELUDE_LOCATION_SOURCE = String.raw`
  // ---- location (sandbox.prelude-location.ts) ----
  const dateParse = Date.parse;
  const dateUtc = Date.UTC;
  const RangeErrorCtor = RangeError;
  const MAX_NOTICE_CHARS = 1000;
  const MAX_NOTICES_PER_RUN = 10;
  let locationObject = null;
  let locationMode = '';
  let locationModeNames = [];
  let locationSun = [];
  let locationOffsets = {};
  let locationTimeZone = 'UTC';
  let locationNow = 0;

  function buildLocation(snapshot) {
    const source = snapshot.location;
    locationMode = typeof source.mode === 'string' ? source.mode : 'Home';
    locationModeNames = isArray(source.modes) ? source.modes : [];
    locationSun = isArray(source.sun) ? source.sun : [];
    locationOffsets = typeof source.utcOffsets === 'object' && source.utcOffsets !== null ? source.utcOffsets : {};
    locationTimeZone = source.timeZone;
    locationNow = dateParse(snapshot.now);
    records.locationMode = null;
    records.notifications = [];
    const modes = [];
    for (let i = 0; i < locationModeNames.length; i++) {
      append(modes, freeze({ id: locationModeNames[i], name: locationModeNames[i] }));
    }
    const location = {};
    define(location, 'id', source.id);
    define(location, 'name', source.name);
    define(location, 'timeZone', source.timeZone);
    define(location, 'latitude', typeof source.latitude === 'number' ? source.latitude : null);
    define(location, 'longitude', typeof source.longitude === 'number' ? source.longitude : null);
    // reads what ctx.setLocationMode set earlier in this run
    defineProperty(location, 'mode', { get: function mode() { return locationMode; }, enumerable: true });
    define(location, 'currentMode', freeze({ get name() { return locationMode; } }));
    define(location, 'modes', freeze(modes));
    locationObject = freeze(location);
    return locationObject;
  }
  function isLocation(value) {
    return value !== null && value !== undefined && value === locationObject;
  }
  function subscribeLocation(attribute, handler, options) {
    requireName(attribute, 'ctx.subscribe(location): the attribute');
    requireName(handler, 'ctx.subscribe(location): the handler name');
    const dot = indexOf(attribute, '.');
    const name = dot < 0 ? attribute : slice(attribute, 0, dot);
    const value = dot < 0 ? null : slice(attribute, dot + 1);
    if (name !== 'mode') {
      throw new TypeErrorCtor('ctx.subscribe(location): only "mode" (or "mode.<name>") can be subscribed to on a location, got ' + describeValue(attribute));
    }
    const record = { op: 'subscribeLocation', attribute: 'mode', value: value === '' ? null : value, handler: handler };
    if (options !== null && typeof options === 'object' && options.includeOwn === true) { record.includeOwn = true; }
    append(records.subscriptions, freeze(record));
  }
  function setLocationMode(name) {
    const mode = name !== null && typeof name === 'object' && typeof name.name === 'string' ? name.name : name;
    requireName(mode, 'ctx.setLocationMode: the mode');
    let known = false;
    let list = '';
    for (let i = 0; i < locationModeNames.length; i++) {
      if (locationModeNames[i] === mode) { known = true; }
      list += (i === 0 ? '' : ', ') + locationModeNames[i];
    }
    if (!known) {
      throw new TypeErrorCtor('ctx.setLocationMode: ' + describeValue(mode) + ' is not a mode of this location (its modes: ' + list + ')');
    }
    locationMode = mode;
    records.locationMode = mode;
  }
  function instantOf(value, what) {
    if (value === undefined || value === null) { return locationNow; }
    let time = NaN;
    if (value instanceof DateCtor) { time = apply(dateGetTime, value, []); }
    else if (typeof value === 'number') { time = value; }
    else if (typeof value === 'string') { time = dateParse(value); }
    if (typeof time !== 'number' || !isFiniteNumber(time)) {
      throw new TypeErrorCtor(what + ' must be a Date, an ISO date string or milliseconds, got ' + describeValue(value));
    }
    return time;
  }
  function offsetMinutes(value, what) {
    if (value === undefined || value === null) { return 0; }
    if (typeof value === 'number' && isFiniteNumber(value)) { return value; }
    if (typeof value === 'string') {
      const negative = slice(value, 0, 1) === '-';
      const text = negative || slice(value, 0, 1) === '+' ? slice(value, 1) : value;
      const colon = indexOf(text, ':');
      const hours = colon < 0 ? NaN : Number(slice(text, 0, colon));
      const minutes = colon < 0 ? NaN : Number(slice(text, colon + 1));
      if (isInteger(hours) && isInteger(minutes) && hours >= 0 && minutes >= 0 && minutes < 60) {
        return (negative ? -1 : 1) * (hours * 60 + minutes);
      }
    }
    throw new TypeErrorCtor(what + ' must be minutes or a string like "-00:30", got ' + describeValue(value));
  }
  function getSunriseAndSunset(options) {
    const opts = options !== null && typeof options === 'object' ? options : {};
    const at = instantOf(opts.date, 'ctx.getSunriseAndSunset: date');
    const sunriseShift = offsetMinutes(opts.sunriseOffset, 'ctx.getSunriseAndSunset: sunriseOffset') * 60000;
    const sunsetShift = offsetMinutes(opts.sunsetOffset, 'ctx.getSunriseAndSunset: sunsetOffset') * 60000;
    for (let i = 0; i < locationSun.length; i++) {
      const day = locationSun[i];
      if (dateParse(day.start) <= at && at < dateParse(day.end)) {
        return {
          sunrise: day.sunrise === null ? null : new DateCtor(dateParse(day.sunrise) + sunriseShift),
          sunset: day.sunset === null ? null : new DateCtor(dateParse(day.sunset) + sunsetShift),
        };
      }
    }
    throw new RangeErrorCtor('ctx.getSunriseAndSunset: date must be from yesterday to 7 days ahead in the location\'s time zone');
  }
  function timeToday(time, timeZone) {
    requireName(time, 'ctx.timeToday: the time');
    // "HH:mm", "HH:mm:ss" or an ISO date-time (a time input's value): its wall-clock time is used
    const t = indexOf(time, 'T');
    const clock = t < 0 ? time : slice(time, t + 1);
    const hours = Number(slice(clock, 0, 2));
    const minutes = Number(slice(clock, 3, 5));
    if (slice(clock, 2, 3) !== ':' || !isInteger(hours) || !isInteger(minutes) || hours > 23 || minutes > 59 || hours < 0 || minutes < 0) {
      throw new TypeErrorCtor('ctx.timeToday: the time must be "HH:mm" or an ISO date-time, got ' + describeValue(time));
    }
    const zone = timeZone === undefined || timeZone === null ? locationTimeZone : timeZone;
    if (typeof zone !== 'string' || !hasOwn(locationOffsets, zone)) {
      throw new TypeErrorCtor('ctx.timeToday: the time zone must be the location\'s (' + locationTimeZone + ') or "UTC", got ' + describeValue(zone));
    }
    const offset = locationOffsets[zone] * 60000;
    const local = new DateCtor(locationNow + offset);
    return new DateCtor(dateUtc(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hours, minutes) - offset);
  }
  function notify(kind) {
    return function send(message) {
      const text = typeof message === 'string' ? message : formatLogArgument(message);
      if (text === '') {
        throw new TypeErrorCtor('ctx.' + (kind === 'push' ? 'sendPush' : 'sendNotification') + ': the message must not be empty');
      }
      if (records.notifications.length >= MAX_NOTICES_PER_RUN) {
        throw new RangeErrorCtor('ctx.' + (kind === 'push' ? 'sendPush' : 'sendNotification') + ': at most ' + MAX_NOTICES_PER_RUN + ' notifications per handler run');
      }
      append(records.notifications, freeze({ kind: kind, message: slice(text, 0, MAX_NOTICE_CHARS) }));
    };
  }
  const sendPush = notify('push');
  const sendNotification = notify('notification');
`;

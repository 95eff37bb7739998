// The events Device Bridge pushes to us: `{"installationId", "evt": {deviceId, displayName, name,
// value, date}}`, kept per connection, newest first.

export const EVENTS_KEPT = 20;
const MAX_TEXT = 200;

export interface PushedEvent {
  /** webhook-id: one per callback */
  id: string;
  deviceId: string;
  displayName: string;
  name: string;
  value: string;
  /** when the change happened, as the platform says (ISO) */
  date: string;
}

/** As the page and /events.json show it. */
export interface PushedEventView extends PushedEvent {
  time: string;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') {
    return value.slice(0, MAX_TEXT);
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
}

export interface Push {
  /** the installation that sent it, inside the signed body (the X-SmartApp-Installation header is not signed) */
  installationId: string | null;
  event: PushedEvent;
}

/** The event in a callback body, or null when the body is not one. */
export function pushOf(id: string, rawBody: Buffer): Push | null {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') {
    return null;
  }
  const { evt, installationId } = body as Record<string, unknown>;
  if (!evt || typeof evt !== 'object' || (installationId !== undefined && typeof installationId !== 'string')) {
    return null;
  }
  const e = evt as Record<string, unknown>;
  const fields = { deviceId: text(e.deviceId), displayName: text(e.displayName), name: text(e.name), value: text(e.value), date: text(e.date) };
  if (Object.values(fields).some((v) => v === null)) {
    return null;
  }
  return { installationId: installationId ?? null, event: { id: id.slice(0, MAX_TEXT), ...(fields as Omit<PushedEvent, 'id'>) } };
}

/** Adds the newest event in front, keeping the last EVENTS_KEPT. */
export function keepEvent(events: PushedEvent[], event: PushedEvent): void {
  events.unshift(event);
  events.splice(EVENTS_KEPT);
}

// The same text on the page and from the script: "2025-01-02 13:04:05 UTC".
export function viewOf(event: PushedEvent): PushedEventView {
  const at = new Date(event.date);
  const time = Number.isNaN(at.getTime()) ? event.date : `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return { ...event, time };
}

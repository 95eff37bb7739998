/** What changed, as the caches know it: the id is a token's hash, a family, a client, an installation, a SmartApp or a location. */
export type InvalidationKind = 'token' | 'family' | 'client' | 'installation' | 'smartapp' | 'location';

export interface Invalidation {
  kind: InvalidationKind;
  id: string;
}

/** `all`: notifications may have been missed (the listener reconnected): forget everything. */
export type InvalidationListener = (change: Invalidation | 'all') => void;

const KINDS: readonly InvalidationKind[] = ['token', 'family', 'client', 'installation', 'smartapp', 'location'];

/** A NOTIFY payload from another instance, or null when it is not one of ours. */
export function parseInvalidation(payload: string | undefined): Invalidation | null {
  if (!payload) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) {
      return null;
    }
    const { kind, id } = value as Record<string, unknown>;
    return typeof kind === 'string' && (KINDS as readonly string[]).includes(kind) && typeof id === 'string' ? { kind: kind as InvalidationKind, id } : null;
  } catch {
    return null;
  }
}

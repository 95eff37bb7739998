import type { Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Endpoint, PendingAuthorization, TokenSet } from './platform-api';
import type { PushedEvent } from './pushed-events';

/** The SDK's token set, and what the demo learnt with it. */
export interface Connection extends TokenSet {
  endpoint: Endpoint;
  /** the endpoints service's reply, shown as it came */
  endpointsReply: Endpoint[];
  /** what the platform pushed for this installation, newest first; gone with the connection */
  events: PushedEvent[];
  /** why the platform will not push events to us, when it refused our callback URL */
  eventsProblem: string | null;
}

export interface DemoSession {
  id: string;
  csrf: string;
  /** between "Connect" and the callback */
  pending: PendingAuthorization | null;
  connection: Connection | null;
  notice: string | null;
  lastSeen: number;
}

const COOKIE = 'demo_sid';
const MAX_SESSIONS = 1000;

// The demo keeps its sessions in memory, keyed by its own cookie (the platform's cookie is
// `sid`; both live on localhost, since cookies do not tell ports apart).
export class DemoSessions {
  private readonly sessions = new Map<string, DemoSession>();

  constructor(private readonly secureCookie: boolean) {}

  of(req: Request, res: Response): DemoSession {
    const id = cookieValue(req.headers.cookie, COOKIE);
    const found = id ? this.sessions.get(id) : undefined;
    if (found) {
      found.lastSeen = Date.now();
      return found;
    }
    const session: DemoSession = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), pending: null, connection: null, notice: null, lastSeen: Date.now() };
    this.evictOldest();
    this.sessions.set(session.id, session);
    res.cookie(COOKIE, session.id, { httpOnly: true, sameSite: 'lax', secure: this.secureCookie, path: '/' });
    return session;
  }

  /** The session connected to this installation, if any (a callback names only the installation). */
  withInstallation(installationId: string): DemoSession | undefined {
    for (const s of this.sessions.values()) {
      if (s.connection?.installationId === installationId) {
        return s;
      }
    }
    return undefined;
  }

  csrfMatches(session: DemoSession, sent: unknown): boolean {
    if (typeof sent !== 'string') {
      return false;
    }
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private evictOldest(): void {
    if (this.sessions.size < MAX_SESSIONS) {
      return;
    }
    let oldest: DemoSession | undefined;
    for (const s of this.sessions.values()) {
      if (!oldest || s.lastSeen < oldest.lastSeen) {
        oldest = s;
      }
    }
    if (oldest) {
      this.sessions.delete(oldest.id);
    }
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return decodeURIComponent(rest.join('='));
    }
  }
  return undefined;
}

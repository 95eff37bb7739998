import { errorFrom } from './errors';

// One HTTP exchange with the platform over Node's fetch: a timeout, JSON or form bodies, and the
// typed error for any error status.

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** sent as application/json */
  json?: unknown;
  /** sent as application/x-www-form-urlencoded (and, for OAuth 1.0a, part of the signature) */
  form?: [string, string][];
  timeoutMs?: number;
  /** what the call was for, in error messages */
  what: string;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Sends the request and reads the reply; never throws for an error status (see `expectOk`). */
export async function send(req: HttpRequest): Promise<HttpReply> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }
  const res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  return { status: res.status, headers: res.headers, body: await readBody(res) };
}

/** The reply's body when its status is 2xx; else the typed error. */
export function expectOk(reply: HttpReply, what: string): unknown {
  if (reply.status >= 200 && reply.status < 300) {
    return reply.body;
  }
  throw errorFrom(reply.status, reply.body, reply.headers, what);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') {
    return null;
  }
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

import type { IncomingMessage } from 'node:http';

/** A form body refused as Express's urlencoded parser would refuse it: 413 too large, 400 unreadable. */
export class FormBodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'FormBodyError';
  }
}

/** The platform's limits for a form body, here and in Express's parser (src/app.setup.ts). */
export const FORM_LIMITS = { bytes: 256 * 1024, parameters: 1000 } as const;

const PLAIN_FORM = /^application\/x-www-form-urlencoded\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** A form body this reader takes: urlencoded in UTF-8, not compressed (anything else is left to Express). */
export function isPlainForm(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && PLAIN_FORM.test(type) && req.headers['content-encoding'] === undefined;
}

function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // as the qs parser behind Express does: a malformed escape is kept as written
  }
}

/**
 * Parses `application/x-www-form-urlencoded` with the shapes Express's extended parser gives the
 * values callers check: a name given twice becomes an array, a bracketed name (`token[a]`) an
 * object under its base name; only strings are meant to be accepted by the caller.
 */
export function parseForm(text: string, parameterLimit: number): Record<string, unknown> {
  const params = Object.create(null) as Record<string, unknown>;
  if (text === '') {
    return params;
  }
  const parts = text.split('&');
  if (parts.length > parameterLimit) {
    throw new FormBodyError(413, 'The request body is too large');
  }
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = decode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    if (name === '') {
      continue;
    }
    const bracket = name.indexOf('[');
    if (bracket > 0) {
      params[name.slice(0, bracket)] = {};
      continue;
    }
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...(seen as unknown[]), value] : [seen, value];
  }
  return params;
}

/** Reads and parses a plain form body of at most `limitBytes`. */
export function readFormBody(req: IncomingMessage, limitBytes: number, parameterLimit: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) {
    req.resume();
    return Promise.reject(new FormBodyError(413, 'The request body is too large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes && !refused) {
        refused = true;
        reject(new FormBodyError(413, 'The request body is too large'));
      }
      if (!refused) {
        chunks.push(chunk);
      }
    });
    req.on('error', () => {
      if (!refused) {
        refused = true;
        reject(new FormBodyError(400, 'The request body could not be parsed'));
      }
    });
    req.on('close', () => {
      if (!ended && !refused) {
        refused = true;
        reject(new FormBodyError(400, 'The request body could not be parsed'));
      }
    });
    req.on('end', () => {
      ended = true;
      if (refused) {
        return;
      }
      try {
        resolve(parseForm((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'), parameterLimit));
      } catch (err) {
        reject(err instanceof Error ? err : new FormBodyError(400, 'The request body could not be parsed'));
      }
    });
  });
}

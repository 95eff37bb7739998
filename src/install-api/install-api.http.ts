import type { Request, Response } from 'express';
import type { JsonValue } from '../sandbox/sandbox.types';
import type { InstallApiCall, InstallApiReply } from './install-api.service';

const FORWARDED_HEADERS = ['accept', 'content-type', 'user-agent', 'x-request-id'];

/** The install-URL call an HTTP request makes (the controller's route and the front door's). */
export function installApiCallOf(req: Request, installationId: string, segments: string[]): InstallApiCall {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') {
      headers[name] = value;
    }
  }
  return {
    method: req.method,
    installationId,
    segments: segments.filter((s) => s !== ''),
    query: req.query,
    body: (req.body ?? null) as JsonValue,
    headers,
  };
}

export function sendInstallApiReply(res: Response, reply: InstallApiReply): void {
  res.set(reply.headers).status(reply.status);
  if (reply.raw !== undefined) {
    res.send(Buffer.from(reply.raw, 'utf8'));
  } else if (reply.body === undefined) {
    res.end();
  } else {
    res.json(reply.body);
  }
}

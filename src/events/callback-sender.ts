import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from './callback-url';

export type SendResult = { kind: 'status'; status: number } | { kind: 'error'; message: string };

// Resolves the host and refuses private answers, and the connection uses exactly the address
// checked, so a DNS answer cannot point a callback at the platform's own network (rebinding).
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0) {
      callback(Object.assign(new Error(`${hostname} resolves only to private addresses`), { code: 'EPRIVATE' }), '', 0);
      return;
    }
    if (options.all) {
      callback(null, allowed);
    } else {
      callback(null, allowed[0].address, allowed[0].family);
    }
  });
};

/** One POST of a JSON body; never follows redirects; the response body is read and discarded. */
export function postJson(url: URL, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivateNetwork: boolean }): Promise<SendResult> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SendResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      }
    };
    // one deadline for the whole exchange: a receiver that trickles bytes cannot hold a delivery
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
        ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => done({ kind: 'status', status: res.statusCode ?? 0 }));
        res.on('error', () => done({ kind: 'status', status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'error', message: err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message }));
    req.end(body);
  });
}

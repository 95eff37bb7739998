// Outgoing HTTP of one handler run (ctx.httpGet/httpPost/httpPutJson/sendHubCommand), done by the
// worker while the VM waits. Only to the URLs the run's HttpPolicy allows; the SSRF rules mirror
// the platform's callback rules (src/events/callback-url.ts), which this module may not import.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { HttpPolicy, JsonValue, OutgoingRequest } from './sandbox.types';

export const DEFAULT_HTTP_LIMITS = { maxConcurrent: 4, maxRequests: 20, maxResponseBytes: 256 * 1024 };

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
// private IPv6 ranges, and every range that embeds an IPv4 address (mapped, compatible, NAT64, 6to4,
// Teredo): refused whole, which is stricter than the callback rules but needs no decoding here
for (const [net, bits] of [
  ['::', 96], ['::ffff:0:0', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

export function isPrivateIp(address: string): boolean {
  const family = isIP(address);
  if (family === 0) {
    return true;
  }
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    const allowed = addresses.filter((a) => !isPrivateIp(a.address));
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

interface RequestParams {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Same scheme, host and port, the path at or below the prefix's on a segment boundary; encoded dots, slashes and backslashes never pass. */
function underPrefix(url: URL, raw: string): boolean {
  let prefix: URL;
  try {
    prefix = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== prefix.protocol || hostOf(url) !== hostOf(prefix) || url.port !== prefix.port) {
    return false;
  }
  if (/%(2e|2f|5c)/i.test(url.pathname) || url.pathname.includes('\\') || url.pathname.includes('//')) {
    return false;
  }
  const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
  return url.pathname === prefix.pathname || url.pathname.startsWith(base);
}

/** May a run with `policy` call `url`? The reason when not. */
export function urlProblem(url: URL, policy: HttpPolicy | undefined): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${url.protocol} is not http or https`;
  }
  if (url.username || url.password) {
    return 'credentials in the URL are not allowed';
  }
  const host = hostOf(url);
  if (!policy?.allowPrivateNetwork && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateIp(host)))) {
    return 'loopback and private addresses are not allowed';
  }
  if (!(policy?.prefixes ?? []).some((prefix) => underPrefix(url, prefix))) {
    return `${url.origin}${url.pathname} is not under a callback prefix registered for the OAuth client`;
  }
  return null;
}

const DROPPED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect']);

function readParams(raw: unknown): Checked<RequestParams> {
  if (!isRecord(raw)) {
    return { ok: false, error: 'the request must be an object' };
  }
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : 'GET';
  if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'].includes(method)) {
    return { ok: false, error: `the method ${method.slice(0, 20)} is not supported` };
  }
  if (typeof raw.uri !== 'string' || raw.uri === '') {
    return { ok: false, error: 'uri must be a non-empty string' };
  }
  let url: URL;
  try {
    const path = typeof raw.path === 'string' ? raw.path : '';
    url = new URL(path === '' ? raw.uri : `${raw.uri.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  } catch {
    return { ok: false, error: 'uri (with path) is not an absolute URL' };
  }
  url.hash = '';
  if (raw.query !== undefined && raw.query !== null) {
    if (!isRecord(raw.query)) {
      return { ok: false, error: 'query must be an object' };
    }
    for (const [key, value] of Object.entries(raw.query)) {
      url.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined && raw.headers !== null) {
    if (!isRecord(raw.headers)) {
      return { ok: false, error: 'headers must be an object' };
    }
    for (const [key, value] of Object.entries(raw.headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key) || (typeof value !== 'string' && typeof value !== 'number')) {
        return { ok: false, error: `header ${JSON.stringify(key.slice(0, 50))} must be a token name with a string value` };
      }
      if (!DROPPED_HEADERS.has(key.toLowerCase())) {
        headers[key.toLowerCase()] = String(value).replace(/[\r\n]/g, ' ');
      }
    }
  }
  // classic: contentType is what the app expects back (and sends, unless requestContentType says otherwise)
  if (typeof raw.contentType === 'string' && headers.accept === undefined) {
    headers.accept = raw.contentType.replace(/[\r\n]/g, ' ');
  }
  const requested = [raw.requestContentType, raw.contentType, headers['content-type']].find((t): t is string => typeof t === 'string');
  let body: string | undefined;
  if (raw.body !== undefined && raw.body !== null && method !== 'GET' && method !== 'HEAD') {
    if (typeof raw.body === 'string') {
      body = raw.body;
      headers['content-type'] = requested ?? 'text/plain; charset=utf-8';
    } else if (requested?.startsWith('application/x-www-form-urlencoded') && isRecord(raw.body)) {
      body = new URLSearchParams(Object.entries(raw.body).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      body = JSON.stringify(raw.body);
      headers['content-type'] = 'application/json';
    }
  }
  return { ok: true, value: { method, url, headers, body } };
}

function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && key !== 'set-cookie') {
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return headers;
}

function dataOf(buffer: Buffer, contentType: string | undefined): JsonValue {
  const text = buffer.toString('utf8');
  if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return text;
}

/** The URL as the user's activity shows it: no query string, which may carry secrets. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`.slice(0, 300);
}

/** One run's requests: started by the prelude through hostRequest, answered in completion order. */
export class RunHttp {
  private nextId = 1;
  private started = 0;
  private readonly inFlight = new Map<number, { abort: () => void; method: string; url: string }>();
  private readonly made: OutgoingRequest[] = [];
  private readonly answers: { id: number; json: string }[] = [];
  private wake: (() => void) | undefined;
  private readonly limits: typeof DEFAULT_HTTP_LIMITS;

  constructor(private readonly policy: HttpPolicy | undefined) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...(policy?.limits ?? {}) };
  }

  request(paramsJson: string): string {
    const refuse = (error: string): string => JSON.stringify({ error });
    let raw: unknown;
    try {
      raw = JSON.parse(paramsJson);
    } catch {
      return refuse('the request is not JSON');
    }
    const params = readParams(raw);
    if (!params.ok) {
      return refuse(params.error);
    }
    const { method, url } = params.value;
    const refused = (reason: string): string => {
      this.note({ method, url: shown(url), outcome: `refused: ${reason}` });
      return refuse(`refused: ${reason}`);
    };
    const problem = urlProblem(url, this.policy);
    if (problem) {
      return refused(problem);
    }
    if (this.inFlight.size >= this.limits.maxConcurrent) {
      return refused(`at most ${this.limits.maxConcurrent} requests at once`);
    }
    if (this.started >= this.limits.maxRequests) {
      return refused(`at most ${this.limits.maxRequests} requests per run`);
    }
    this.started += 1;
    const id = this.nextId++;
    this.send(id, params.value);
    return JSON.stringify({ id });
  }

  outstanding(): number {
    return this.inFlight.size + this.answers.length;
  }

  async nextAnswer(ms: number): Promise<{ id: number; json: string } | undefined> {
    if (this.answers.length === 0 && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.answers.shift();
  }

  /** Aborts whatever is still in flight (the run is over). */
  close(): void {
    for (const request of this.inFlight.values()) {
      request.abort();
    }
    this.inFlight.clear();
  }

  /** The requests of the run so far, in the order they ended (refusals at once). */
  log(): OutgoingRequest[] {
    return [...this.made];
  }

  private note(request: OutgoingRequest): void {
    // refusals are not capped by maxRequests: keep the user's record bounded all the same
    if (this.made.length < this.limits.maxRequests * 2) {
      this.made.push(request);
    }
  }

  private answer(id: number, result: { status: number; headers: Record<string, string>; data: JsonValue } | { error: string }): void {
    const request = this.inFlight.get(id);
    if (!request) {
      return;
    }
    this.inFlight.delete(id);
    this.note({ method: request.method, url: request.url, outcome: 'error' in result ? `failed: ${result.error}` : `HTTP ${result.status}` });
    this.answers.push({ id, json: JSON.stringify(result) });
    this.wake?.();
  }

  private send(id: number, params: RequestParams): void {
    const send = params.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = params.body === undefined ? params.headers : { ...params.headers, 'content-length': String(Buffer.byteLength(params.body)) };
    const req = send(params.url, { method: params.method, headers, ...(this.policy?.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.limits.maxResponseBytes) {
          this.answer(id, { error: `the response is larger than ${this.limits.maxResponseBytes} bytes` });
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => this.answer(id, { status: res.statusCode ?? 0, headers: headersOf(res.headers), data: dataOf(Buffer.concat(chunks), res.headers['content-type']) }));
      res.on('error', (err) => this.answer(id, { error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => this.answer(id, { error: err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message }));
    this.inFlight.set(id, { abort: () => req.destroy(), method: params.method, url: shown(params.url) });
    req.end(params.body);
  }
}

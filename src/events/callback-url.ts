import { BlockList, isIP } from 'node:net';

export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

// Loopback, private, link-local, carrier-grade NAT, multicast and unspecified addresses: where a
// callback must not go in production, whatever a prefix or a DNS answer says.
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for an IP address a production platform must not call (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    return PRIVATE.check(mapped[1], 'ipv4');
  }
  const family = isIP(address);
  if (family === 0) {
    return true;
  }
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function parsePrefix(raw: string): URL | null {
  try {
    const url = new URL(raw);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
      return null;
    }
    return url;
  } catch {
    return null;
  }
}

/** Same scheme, host and port, and the path at or below the prefix's path on a segment boundary. */
function underPrefix(url: URL, prefix: URL): boolean {
  if (url.protocol !== prefix.protocol || hostOf(url) !== hostOf(prefix) || url.port !== prefix.port) {
    return false;
  }
  const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
  return url.pathname === prefix.pathname || url.pathname.startsWith(base);
}

/**
 * May an installation's httpPostJson go to `raw`? Only under one of its OAuth client's callback
 * prefixes, compared on the parsed URL (so "https://a.com.evil/" never passes for "https://a.com/"),
 * and never to a loopback or private address literal unless `allowPrivateNetwork` (development).
 */
export function checkCallbackUrl(raw: string, prefixes: string[], allowPrivateNetwork: boolean): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `${url.protocol} is not http or https` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  }
  url.hash = '';
  const host = hostOf(url);
  if (!allowPrivateNetwork && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    return { ok: false, reason: 'loopback and private addresses are not allowed' };
  }
  if (!prefixes.some((p) => {
    const prefix = parsePrefix(p);
    return prefix !== null && underPrefix(url, prefix);
  })) {
    return { ok: false, reason: 'not under a callback prefix registered for the OAuth client' };
  }
  return { ok: true, url };
}

/** The URL as shown in activity: no query string, which may carry the receiver's secrets. */
export function describeCallbackUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

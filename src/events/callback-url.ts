import { BlockList, isIP } from 'node:net';
import { normalisedPath } from '../common/url-path';

export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

// Loopback, private, link-local, carrier-grade NAT, documentation, benchmarking, multicast,
// reserved and unspecified addresses: where a callback must not go in production, whatever a
// prefix or a DNS answer says.
const PRIVATE_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
}

// IPv6 ranges that are private by themselves (the ones that embed an IPv4 address are handled in
// embeddedIPv4 below): loopback/unspecified/IPv4-compatible (::/96), discard-only, NAT64 for
// local use, documentation, unique local, link-local, the deprecated site-local, multicast.
const PRIVATE_V6: [prefix: number[], bits: number][] = [
  [[0x0100, 0, 0, 0], 64],
  [[0x0064, 0xff9b, 0x0001], 48],
  [[0x2001, 0x0db8], 32],
  [[0xfc00], 7],
  [[0xfe80], 10],
  [[0xfec0], 10],
  [[0xff00], 8],
];

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail and `::` allowed), or null. */
export function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) {
    text = text.slice(0, zone);
  }
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    if (isIP(dotted[2]) !== 4) {
      return null;
    }
    const [a, b, c, d] = dotted[2].split('.').map(Number);
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) {
    return null;
  }
  const parse = (part: string): number[] | null => {
    if (part === '') {
      return [];
    }
    const groups = part.split(':');
    return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => parseInt(g, 16)) : null;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) {
    return null;
  }
  if (halves.length === 1) {
    return head.length === 8 ? head : null;
  }
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : null;
}

function v4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function inPrefix(groups: number[], prefix: number[], bits: number): boolean {
  for (let i = 0, left = bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) {
      return false;
    }
  }
  return true;
}

/**
 * The IPv4 addresses an IPv6 address stands for: IPv4-compatible (::/96), IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and
 * Teredo (2001::/32: its server and its obfuscated client address).
 */
export function embeddedIPv4(groups: number[]): string[] {
  const zeros = (from: number, to: number): boolean => groups.slice(from, to).every((g) => g === 0);
  const tail = v4Of(groups[6], groups[7]);
  if (zeros(0, 6) || (zeros(0, 5) && groups[5] === 0xffff) || (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0)) {
    return [tail];
  }
  if (groups[0] === 0x0064 && groups[1] === 0xff9b && zeros(2, 6)) {
    return [tail];
  }
  if (groups[0] === 0x2002) {
    return [v4Of(groups[1], groups[2])];
  }
  if (groups[0] === 0x2001 && groups[1] === 0) {
    return [v4Of(groups[2], groups[3]), v4Of(groups[6] ^ 0xffff, groups[7] ^ 0xffff)];
  }
  return [];
}

/** True for an IP address a production platform must not call, in any IPv6 form that carries a private IPv4 one. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    return PRIVATE_V4.check(address, 'ipv4');
  }
  const groups = family === 6 ? ipv6Groups(address) : null;
  if (!groups) {
    return true;
  }
  if (PRIVATE_V6.some(([prefix, bits]) => inPrefix(groups, prefix, bits))) {
    return true;
  }
  return embeddedIPv4(groups).some((v4) => PRIVATE_V4.check(v4, 'ipv4'));
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
  const path = normalisedPath(url.pathname);
  const prefixPath = normalisedPath(prefix.pathname);
  if (path === null || prefixPath === null) {
    return false;
  }
  const base = prefixPath.endsWith('/') ? prefixPath : `${prefixPath}/`;
  return path === prefixPath || path.startsWith(base);
}

/**
 * May an installation's httpPostJson go to `raw`? Only under one of its OAuth client's callback
 * prefixes, compared on the parsed URL (so "https://a.com.evil/" never passes for "https://a.com/") and on
 * the decoded, normalised path (so "/api/..%2fadmin" never passes for "/api/"),
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

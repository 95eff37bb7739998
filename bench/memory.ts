// Where a process's resident memory goes, read from /proc/self (Linux): the QuickJS engines'
// WebAssembly memories, this thread's V8 heap, the mapped code of Node and its addons, and the rest
// (the sandbox workers' V8 heaps, malloc: SQLite, OpenSSL, libuv). For docs/performance.md only.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface MemoryBreakdown {
  rssMiB: number;
  /** VmHWM: the peak so far */
  peakMiB: number;
  /** WebAssembly memories (each a read-write mapping followed by V8's ≥ 4 GiB guard reservation) */
  wasmMemories: number;
  wasmResidentMiB: number;
  /** file-backed resident pages: the node binary, native addons, shared libraries */
  codeMiB: number;
  mainHeapUsedMiB: number;
  mainHeapTotalMiB: number;
  /** this thread's V8 heap as the operating system sees it (spaces committed) */
  mainHeapCommittedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  /** this thread's V8 heap by space: physical size, MiB */
  mainSpaces: Record<string, number>;
  /** resident anonymous memory that is neither a WebAssembly memory nor the main thread's heap */
  otherAnonymousMiB: number;
}

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rssKiB: number;
}

const MiB = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const GUARD_BYTES = 4n * 2n ** 30n;

function mappings(): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      out.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3], path: head[4], rssKiB: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && out.length > 0) {
      out[out.length - 1].rssKiB = Number(rss[1]);
    }
  }
  return out;
}

export function memoryBreakdown(): MemoryBreakdown {
  const maps = mappings();
  let wasmKiB = 0;
  let wasmMemories = 0;
  let codeKiB = 0;
  let anonKiB = 0;
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    if (m.path.startsWith('/')) {
      codeKiB += m.rssKiB;
      return;
    }
    if (m.perms.startsWith('rw') && next && next.start === m.end && next.perms.startsWith('---') && next.end - next.start >= GUARD_BYTES) {
      wasmMemories += 1;
      wasmKiB += m.rssKiB;
      return;
    }
    anonKiB += m.rssKiB;
  });
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  return {
    rssMiB: MiB(kib('VmRSS') * 1024),
    peakMiB: MiB(kib('VmHWM') * 1024),
    wasmMemories,
    wasmResidentMiB: MiB(wasmKiB * 1024),
    codeMiB: MiB(codeKiB * 1024),
    mainHeapUsedMiB: MiB(usage.heapUsed),
    mainHeapTotalMiB: MiB(usage.heapTotal),
    mainHeapCommittedMiB: MiB(heap.total_physical_size),
    externalMiB: MiB(usage.external),
    arrayBuffersMiB: MiB(usage.arrayBuffers),
    mainSpaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name.replace(/_space$/, ''), MiB(space.physical_space_size)])),
    otherAnonymousMiB: MiB(Math.max(0, anonKiB * 1024 - heap.total_physical_size)),
  };
}

import type { LogLevel, LogLine } from './sandbox.types';

const LOG_LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

function isLogLevel(level: string): level is LogLevel {
  return LOG_LEVELS.includes(level);
}
const ELLIPSIS = '…';
const ELLIPSIS_BYTES = Buffer.byteLength(ELLIPSIS);

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, on a character boundary, marking the cut with an ellipsis. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) {
    return text;
  }
  const bytes = Buffer.from(text);
  let end = Math.max(0, maxBytes - ELLIPSIS_BYTES);
  // back up over UTF-8 continuation bytes so no character is split
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) {
    end -= 1;
  }
  return bytes.subarray(0, end).toString('utf8') + ELLIPSIS;
}

/** Host-side log of one run: survives timeouts and memory failures because lines leave the VM as they are written. */
export class LogCollector {
  private readonly lines: LogLine[] = [];
  private dropped = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxLineBytes: number,
  ) {}

  add(level: string, message: string): void {
    if (this.lines.length >= this.maxLines) {
      this.dropped += 1;
      return;
    }
    this.lines.push({ level: isLogLevel(level) ? level : 'info', message: truncateUtf8(message, this.maxLineBytes) });
  }

  result(): LogLine[] {
    if (this.dropped === 0) {
      return [...this.lines];
    }
    const notice = `${this.dropped} further log line${this.dropped === 1 ? ' was' : 's were'} dropped (limit: ${this.maxLines} lines per run)`;
    return [...this.lines, { level: 'warn', message: notice }];
  }
}

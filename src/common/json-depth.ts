// A JSON body nested deeper than the platform passes on (to the sandbox, to the database) is
// refused before it is parsed: a 400, never a stack overflow somewhere further in.

/** The deepest nesting of arrays and objects in a JSON text (strings skipped), counted without recursion. */
export function jsonDepth(text: string | Buffer): number {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) {
        i++; // the escaped character
      } else if (c === 0x22) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'json.too_deep';

  constructor(readonly maxDepth: number) {
    super(`The JSON body is nested more than ${maxDepth} levels deep`);
  }
}

/** A body-parser `verify` hook refusing bodies nested deeper than `maxDepth`. */
export function jsonDepthGuard(maxDepth: number): (req: unknown, res: unknown, body: Buffer) => void {
  return (_req, _res, body) => {
    if (jsonDepth(body) > maxDepth) {
      throw new JsonTooDeepError(maxDepth);
    }
  };
}

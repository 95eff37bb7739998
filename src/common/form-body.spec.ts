import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { FormBodyError, isPlainForm, parseForm, readFormBody } from './form-body';

function requestOf(body: string[], headers: Record<string, string>): IncomingMessage {
  return Object.assign(Readable.from(body.map((chunk) => Buffer.from(chunk))), { headers }) as unknown as IncomingMessage;
}

describe('parseForm', () => {
  it('decodes names and values as the urlencoded parser does', () => {
    expect({ ...parseForm('token=a%2Bb+c&token_type_hint=access_token&empty=&flag', 1000) }).toEqual({ token: 'a+b c', token_type_hint: 'access_token', empty: '', flag: '' });
    // a malformed escape is kept as written; a part without a name is skipped
    expect({ ...parseForm('token=%E0%A4%A&=x', 1000) }).toEqual({ token: '%E0%A4%A' });
  });

  it('gives a repeated name as an array and a bracketed one as an object, for the caller to refuse', () => {
    expect(parseForm('token=a&token=b&token=c', 1000).token).toEqual(['a', 'b', 'c']);
    expect(parseForm('token[x]=a', 1000).token).toEqual({});
  });

  it('keeps __proto__ a plain parameter', () => {
    const params = parseForm('__proto__=x&constructor=y', 1000);
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(params.__proto__).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses more parameters than the limit as too large', () => {
    expect(() => parseForm('a=1&b=2&c=3', 2)).toThrow(new FormBodyError(413, 'The request body is too large'));
    expect(Object.keys(parseForm('a=1&b=2', 2))).toHaveLength(2);
  });
});

describe('isPlainForm', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it('takes urlencoded UTF-8 only, not compressed', () => {
    expect(isPlainForm(req({ 'content-type': 'application/x-www-form-urlencoded' }))).toBe(true);
    expect(isPlainForm(req({ 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }))).toBe(true);
    expect(isPlainForm(req({ 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }))).toBe(false);
    expect(isPlainForm(req({ 'content-type': 'application/json' }))).toBe(false);
    expect(isPlainForm(req({}))).toBe(false);
    expect(isPlainForm(req({ 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }))).toBe(false);
  });
});

describe('readFormBody', () => {
  it('reads a body sent in several chunks', async () => {
    const params = await readFormBody(requestOf(['tok', 'en=abc&x=', '1'], {}), 1024, 10);
    expect({ ...params }).toEqual({ token: 'abc', x: '1' });
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    await expect(readFormBody(requestOf(['a=1'], { 'content-length': '2048' }), 1024, 10)).rejects.toEqual(new FormBodyError(413, 'The request body is too large'));
    await expect(readFormBody(requestOf(['a='.padEnd(800, 'x'), 'b='.padEnd(800, 'y')], {}), 1024, 10)).rejects.toEqual(new FormBodyError(413, 'The request body is too large'));
  });

  it('refuses a body whose stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(readFormBody(Object.assign(failing, { headers: {} }) as unknown as IncomingMessage, 1024, 10)).rejects.toEqual(new FormBodyError(400, 'The request body could not be parsed'));
  });
});

import { jsonDepth, jsonDepthGuard, JsonTooDeepError } from './json-depth';

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['"[[[["', 0],
    ['{}', 1],
    ['{"a":[1,{"b":"]]}"}]}', 3],
    ['[[["\\"[["]]]', 3],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, 5000],
  ])('%s is %i deep', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('the guard refuses a body deeper than its limit with a 400 error', () => {
    const guard = jsonDepthGuard(3);
    expect(() => guard(null, null, Buffer.from('[[[1]]]'))).not.toThrow();
    expect(() => guard(null, null, Buffer.from('[[[[1]]]]'))).toThrow(JsonTooDeepError);
  });
});

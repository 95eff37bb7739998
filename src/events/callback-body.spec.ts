import { callbackBody } from './callback-body';

describe('callbackBody', () => {
  it('adds the installation id to an object, keeping the app’s members and their order', () => {
    expect(JSON.stringify(callbackBody({ evt: { value: 'on' }, n: 1 }, 'inst-1'))).toBe('{"evt":{"value":"on"},"n":1,"installationId":"inst-1"}');
  });

  it('keeps the position of an installationId the app put first, with the platform’s value', () => {
    expect(JSON.stringify(callbackBody({ installationId: 'spoofed', evt: 1 }, 'inst-1'))).toBe('{"installationId":"inst-1","evt":1}');
  });

  it('wraps any other JSON value', () => {
    expect(callbackBody([1, 2], 'inst-1')).toEqual({ installationId: 'inst-1', data: [1, 2] });
    expect(callbackBody('text', 'inst-1')).toEqual({ installationId: 'inst-1', data: 'text' });
    expect(callbackBody(null, 'inst-1')).toEqual({ installationId: 'inst-1', data: null });
  });
});

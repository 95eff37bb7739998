import { matchMapping } from './mapping-match';

describe('matchMapping', () => {
  const routes = [
    { path: '/switches', methods: { GET: 'list' } },
    { path: '/switches/:command', methods: { PUT: 'command' } },
    { path: '/switches/states', methods: { GET: 'states' } },
    { path: '/locks/:id', methods: { GET: 'show', PUT: 'update' } },
  ];

  it('finds the handler and the path variables', () => {
    expect(matchMapping(routes, 'PUT', '/switches/on')).toEqual({ kind: 'found', handler: 'command', params: { command: 'on' } });
    expect(matchMapping(routes, 'GET', '/locks/abc')).toEqual({ kind: 'found', handler: 'show', params: { id: 'abc' } });
  });

  it('prefers a literal segment over a path variable', () => {
    expect(matchMapping(routes, 'GET', '/switches/states')).toEqual({ kind: 'found', handler: 'states', params: {} });
  });

  it('says not found for an unknown path and lists the allowed methods for a known one', () => {
    expect(matchMapping(routes, 'GET', '/nothing')).toEqual({ kind: 'not_found' });
    expect(matchMapping(routes, 'GET', '/switches/a/b')).toEqual({ kind: 'not_found' });
    expect(matchMapping(routes, 'DELETE', '/locks/1')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'PUT'] });
  });

  it('ignores a trailing slash', () => {
    expect(matchMapping(routes, 'GET', '/switches/')).toMatchObject({ kind: 'found', handler: 'list' });
  });
});

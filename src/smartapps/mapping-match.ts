import { HttpMethod, MappingRoute } from './smartapp-definition';

export type MappingMatch =
  | { kind: 'found'; handler: string; params: Record<string, string> }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allow: HttpMethod[] };

/** Matches a request path against a SmartApp's mappings; literal segments win over `:params`. */
export function matchMapping(routes: MappingRoute[], method: string, path: string): MappingMatch {
  const segments = path.split('/').filter((s) => s !== '');
  const candidates: { route: MappingRoute; params: Record<string, string>; literals: number }[] = [];
  for (const route of routes) {
    const pattern = route.path.split('/').filter((s) => s !== '');
    if (pattern.length !== segments.length) {
      continue;
    }
    const params: Record<string, string> = {};
    let literals = 0;
    const matches = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        params[p.slice(1)] = segments[i];
        return true;
      }
      literals += 1;
      return p === segments[i];
    });
    if (matches) {
      candidates.push({ route, params, literals });
    }
  }
  if (candidates.length === 0) {
    return { kind: 'not_found' };
  }
  candidates.sort((a, b) => b.literals - a.literals);
  for (const c of candidates) {
    const handler = c.route.methods[method as HttpMethod];
    if (handler) {
      return { kind: 'found', handler, params: c.params };
    }
  }
  const allow = [...new Set(candidates.flatMap((c) => Object.keys(c.route.methods) as HttpMethod[]))];
  return { kind: 'method_not_allowed', allow };
}

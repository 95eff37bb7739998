import type { MappingRoute } from '../smartapps/smartapp-definition';

/** A JSON value in an OpenAPI document. */
export type OpenApiJson = null | boolean | number | string | OpenApiJson[] | { [key: string]: OpenApiJson };

export interface InstallationApiInfo {
  /** the installation's absolute URL (the endpoints service's `uri`) */
  uri: string;
  appName: string;
  appDescription: string;
  mappings: MappingRoute[];
}

const ERROR_SCHEMA: OpenApiJson = {
  type: 'object',
  required: ['error', 'type', 'message'],
  properties: { error: { type: 'boolean', enum: [true] }, type: { type: 'string' }, message: { type: 'string' } },
};

/** `/switches/:id/:command` → `/switches/{id}/{command}` and its parameter names. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      if (s.startsWith(':')) {
        params.push(s.slice(1));
        return `{${s.slice(1)}}`;
      }
      return s;
    });
  return { path: `/${segments.join('/')}`, params };
}

/**
 * The OpenAPI 3.0 document of one installation's URL: exactly the SmartApp's mappings (paths,
 * methods, path parameters), served at `{uri}/openapi.json` to a holder of the installation's token.
 */
export function installationOpenApi(info: InstallationApiInfo): OpenApiJson {
  const paths: Record<string, OpenApiJson> = {};
  for (const route of info.mappings) {
    const { path, params } = openApiPath(route.path);
    const operations: Record<string, OpenApiJson> = {};
    for (const [method, handler] of Object.entries(route.methods)) {
      if (!handler) {
        continue;
      }
      const withBody = method === 'POST' || method === 'PUT';
      operations[method.toLowerCase()] = {
        operationId: `${method.toLowerCase()}_${handler}_${path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_+$/, ''),
        summary: `Runs the SmartApp handler ${handler}`,
        parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(withBody ? { requestBody: { required: false, content: { 'application/json': { schema: {} } } } } : {}),
        responses: {
          '200': { description: 'What the handler returned', content: { 'application/json': { schema: {} } } },
          '204': { description: 'The handler returned nothing' },
          '401': { description: 'Missing, expired or revoked token', content: { 'application/json': { schema: ERROR_SCHEMA } } },
          '429': { description: 'Too many calls on this installation; see Retry-After', content: { 'application/json': { schema: ERROR_SCHEMA } } },
          default: { description: 'The handler failed or refused (SmartAppException)', content: { 'application/json': { schema: ERROR_SCHEMA } } },
        },
      };
    }
    paths[path] = operations;
  }
  return {
    openapi: '3.0.3',
    info: { title: info.appName, description: info.appDescription, version: '1' },
    servers: [{ url: info.uri }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

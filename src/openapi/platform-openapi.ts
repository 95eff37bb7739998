import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config';
import { DeveloperModule } from '../developer/developer.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { HealthModule } from '../health/health.module';
import { InstallApiModule } from '../install-api/install-api.module';
import { OAuthModule } from '../oauth/oauth.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RegistrationModule } from '../registration/registration.module';

export const OPENAPI_JSON_PATH = '/api/openapi.json';
export const OPENAPI_PAGE_PATH = '/api/docs';

/** The platform's own HTTP API as OpenAPI 3: OAuth, the endpoints service, the developer API, registration, operations. */
export function platformOpenApi(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('SmartApp Platform')
    .setDescription(
      'OAuth 2.0 authorization server (RFC 6749, PKCE, refresh rotation, revocation, introspection, dynamic registration), ' +
        'the endpoints service that lists installation URLs, the developer API for publishing SmartApps, and the operations endpoints. ' +
        'Each installation describes its own URL at `{uri}/openapi.json`.',
    )
    .setVersion('1')
    .addServer(config.baseUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An OAuth access token, a developer token, or METRICS_TOKEN for /metrics' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'OAuth client credentials (client_secret_basic)' });
  return SwaggerModule.createDocument(app, builder.build(), {
    include: [OAuthModule, RegistrationModule, EndpointsModule, InstallApiModule, DeveloperModule, HealthModule, ObservabilityModule],
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
}

/** Serves the document and a page to read it (Swagger UI, its scripts from this server). */
export function servePlatformOpenApi(app: INestApplication, config: AppConfig): void {
  const document = platformOpenApi(app, config);
  // Swagger UI's page carries inline styles: allow those on this page only
  app.use(OPENAPI_PAGE_PATH, (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'");
    next();
  });
  SwaggerModule.setup(OPENAPI_PAGE_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    yamlDocumentUrl: 'api/openapi.yaml',
    customSiteTitle: 'SmartApp Platform API',
    swaggerOptions: { persistAuthorization: false },
  });
}

import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { ValidationIssue } from '../smartapps/definition-validator';

export type DeveloperErrorCode =
  | 'smartapp_not_found'
  | 'invalid_smartapp'
  | 'smartapp_exists'
  | 'invalid_oauth_settings'
  | 'oauth_not_enabled'
  | 'invalid_logs_query';

/** A rule of the developer API was broken; `details` name the offending fields (path + message). */
export class DeveloperError extends Error {
  constructor(
    readonly code: DeveloperErrorCode,
    message: string,
    readonly details: ValidationIssue[] = [],
    /** smartapp_exists: the caller's own SmartApp of that name, so a client can publish a version instead */
    readonly ownSmartAppId: string | null = null,
  ) {
    super(message);
  }
}

export const smartAppNotFound = (): DeveloperError => new DeveloperError('smartapp_not_found', 'There is no SmartApp with this id among yours');

/** The one mapping of developer errors to the API's JSON (CONTRACT §6). */
export function developerApiReply(err: DeveloperError): { status: number; body: Record<string, unknown> } {
  switch (err.code) {
    case 'smartapp_not_found':
      return { status: 404, body: { error: 'not_found', error_description: err.message } };
    case 'invalid_smartapp':
      return { status: 400, body: { error: 'invalid_smartapp', details: err.details } };
    case 'smartapp_exists':
      return { status: 409, body: { error: 'smartapp_exists', error_description: err.message, ...(err.ownSmartAppId ? { id: err.ownSmartAppId } : {}) } };
    case 'invalid_oauth_settings':
    case 'invalid_logs_query':
      return { status: 400, body: { error: 'invalid_request', error_description: err.message, details: err.details } };
    case 'oauth_not_enabled':
      return { status: 409, body: { error: 'oauth_not_enabled', error_description: err.message } };
  }
}

@Catch(DeveloperError)
export class DeveloperApiErrorFilter implements ExceptionFilter {
  catch(err: DeveloperError, host: ArgumentsHost): void {
    const { status, body } = developerApiReply(err);
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { OAuthError } from '../oauth/oauth-error';
import { ContractError, LoginRequiredError, PageError } from './api-errors';
import { isMachinePath } from './csrf';
import { isPlatformFailure, RETRY_AFTER_SECONDS } from './platform-unavailable';

interface TokenErrorLike {
  name: string;
  code: string;
  status: number;
  message: string;
}

function isOAuth2orizeError(err: unknown): err is TokenErrorLike {
  return err instanceof Error && ['TokenError', 'AuthorizationError', 'OAuth2Error'].includes(err.name) && typeof (err as unknown as TokenErrorLike).code === 'string';
}

function wantsPage(req: Request): boolean {
  // browsers ask for html; a client that states no preference on a page route gets the page too
  return !isMachinePath(req.path) && !req.path.startsWith('/.well-known/') && req.accepts(['html', 'json']) === 'html';
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Something in the request was not right',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Not allowed here',
  413: 'That was too large',
  429: 'Too many attempts',
  503: 'Busy for a moment',
};

// The one place errors become responses: RFC 6749 JSON for OAuth, the contract's shapes for the
// APIs, a page for browsers. Nothing internal ever reaches the client; the log has the stack.
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }

  /** The response for an error, also for requests served outside Nest's routes (src/common/front-door.ts). */
  respond(exception: unknown, req: Request, res: Response): void {
    if (res.headersSent) {
      this.logger.error(`error after the response started: ${String(exception)}`);
      return;
    }
    if (exception instanceof OAuthError || isOAuth2orizeError(exception)) {
      // oauth2orize answers some codes with 501/502; RFC 6749 §5.2 says 400 (401 for invalid_client)
      const status = exception instanceof OAuthError ? exception.status : exception.code === 'invalid_client' ? 401 : exception.code === 'server_error' ? 500 : 400;
      const code = exception instanceof OAuthError ? exception.code : exception.code;
      const description = exception instanceof OAuthError ? exception.description : exception.message;
      if (status >= 500) {
        this.logger.error(`OAuth server error: ${description}`);
      }
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...(exception instanceof OAuthError ? exception.headers : {}) });
      res.status(status).json(status >= 500 ? { error: 'server_error', error_description: 'Internal error' } : { error: code, error_description: description });
      return;
    }
    if (exception instanceof ContractError) {
      res.set(exception.headers).status(exception.getStatus()).json(exception.body);
      return;
    }
    if (exception instanceof LoginRequiredError) {
      if (req.method === 'GET' && wantsPage(req)) {
        res.redirect(302, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      this.send(req, res, 401, 'Please log in', 'You need to log in to do that.');
      return;
    }
    if (exception instanceof PageError) {
      this.send(req, res, exception.getStatus(), exception.title, exception.detail);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : Array.isArray((response as { message?: unknown }).message)
            ? ((response as { message: string[] }).message).join('; ')
            : typeof (response as { message?: unknown }).message === 'string'
              ? (response as { message: string }).message
              : exception.message;
      this.send(req, res, status, STATUS_TITLES[status] ?? 'Something went wrong', message);
      return;
    }
    if (isPlatformFailure(exception)) {
      // the platform's failure, not the request's nor the SmartApp's: nothing was kept, try again
      this.logger.warn(`${req.method} ${req.path}: platform unavailable (${exception instanceof Error ? exception.message : String(exception)}), answered 503`);
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      if (req.path.startsWith('/oauth/') && !wantsPage(req)) {
        res.set('Cache-Control', 'no-store').status(503).json({ error: 'temporarily_unavailable', error_description: 'The platform is briefly unavailable; try again shortly' });
        return;
      }
      this.send(req, res, 503, STATUS_TITLES[503], `The platform is briefly unavailable (restarting or overloaded). Nothing was changed; please try again in ${RETRY_AFTER_SECONDS} seconds.`);
      return;
    }
    const errorId = req.requestId ?? randomUUID(); // the request id: in the x-request-id header and on every log line
    this.logger.error(`[${errorId}] ${req.method} ${req.path}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    if (req.path.startsWith('/oauth/') && !wantsPage(req)) {
      res.status(500).json({ error: 'server_error', error_description: `Internal error (error id ${errorId})` });
      return;
    }
    this.send(req, res, 500, 'Something went wrong on our side', `Please try again. If it keeps happening, report error id ${errorId}.`, errorId);
  }

  private send(req: Request, res: Response, status: number, title: string, message: string, errorId?: string): void {
    if (wantsPage(req)) {
      res.status(status).render('error', { title, message, status, errorId, user: req.user });
      return;
    }
    const type = status === 503 ? 'ServiceUnavailable' : status >= 500 ? 'ServerError' : 'RequestError';
    res.status(status).json({ error: true, type, message: status >= 500 && status !== 503 ? title : message, ...(errorId ? { errorId } : {}) });
  }
}

import { HttpException } from '@nestjs/common';

/** An error whose JSON body and headers are exactly what the contract prescribes. */
export class ContractError extends HttpException {
  constructor(
    status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(body, status);
  }
}

export class InvalidTokenError extends ContractError {
  constructor(description: string) {
    super(401, { error: 'invalid_token', error_description: description }, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` });
  }
}

/** Browser route reached without a session: the filter sends the user to log in. */
export class LoginRequiredError extends HttpException {
  constructor() {
    super('Please log in', 401);
  }
}

/** A browser-facing error shown on the error page. */
export class PageError extends HttpException {
  constructor(
    status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail, status);
  }
}

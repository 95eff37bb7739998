import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { Public } from '../common/access.decorators';
import { AccountsService, EmailTakenError } from './accounts.service';
import { SignUpDto } from './dto/sign-up.dto';
import { LoginGuard } from './login.guard';
import { safeReturnTo } from './return-to';

function bodyField(req: Request, name: string): string {
  const body: unknown = req.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function logIn(req: Request, account: Express.User): Promise<void> {
  return new Promise((resolve, reject) => req.logIn(account, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('log-in failed')) : resolve())));
}

/** The log-in page in the middle of an authorization says who asks, in the focused layout. */
function loginView(req: Request, returnTo: string): Record<string, unknown> {
  const asking = req.session.loginFor;
  if (!asking || asking.returnTo !== returnTo) {
    return { title: 'Log in', returnTo };
  }
  return {
    title: `Log in to connect ${asking.client}`,
    returnTo,
    layout: 'layouts/focused',
    client: { name: asking.client },
    app: asking.app ? { name: asking.app } : null,
    backUrl: asking.backUrl,
    asking,
  };
}

@Controller()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Public()
  @Get('login')
  loginPage(@Req() req: Request, @Res() res: Response): void {
    if (req.user) {
      return res.redirect(302, safeReturnTo(req.query.return_to));
    }
    res.render('accounts/login', loginView(req, safeReturnTo(req.query.return_to)));
  }

  @Public()
  @Post('login')
  @UseGuards(LoginGuard)
  login(@Req() req: Request, @Res() res: Response): void {
    const returnTo = safeReturnTo(bodyField(req, 'return_to'));
    if (!req.user) {
      res.status(401).render('accounts/login', {
        ...loginView(req, returnTo),
        email: bodyField(req, 'email'),
        error: 'That email and password do not match an account.',
      });
      return;
    }
    res.redirect(303, returnTo);
  }

  @Public()
  @Post('logout')
  logout(@Req() req: Request, @Res() res: Response): void {
    req.logOut(() => {
      req.session.destroy(() => {
        res.clearCookie('sid');
        res.redirect(303, '/login');
      });
    });
  }

  @Public()
  @Get('signup')
  signupPage(@Res() res: Response): void {
    res.render('accounts/signup', { title: 'Create an account' });
  }

  @Public()
  @Post('signup')
  async signup(@Req() req: Request, @Res() res: Response): Promise<void> {
    const dto = plainToInstance(SignUpDto, { name: bodyField(req, 'name'), email: bodyField(req, 'email'), password: bodyField(req, 'password') });
    const problems = await validate(dto);
    const again = (status: number, error: string) =>
      res.status(status).render('accounts/signup', { title: 'Create an account', name: dto.name, email: dto.email, error });
    if (problems.length > 0) {
      return again(400, problems.flatMap((p) => Object.values(p.constraints ?? {})).join('. '));
    }
    try {
      const account = await this.accounts.signUp(dto);
      await logIn(req, account);
    } catch (err) {
      if (err instanceof EmailTakenError) {
        return again(409, err.message);
      }
      throw err;
    }
    res.redirect(303, '/');
  }
}

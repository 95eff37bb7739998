import type { Request } from 'express';

// A one-time notice shown on the page a 303 leads to ("Porch Light renamed").
export function setFlash(req: Request, message: string): void {
  req.session.flash = message;
}

export function takeFlash(req: Request): string | undefined {
  const message = req.session.flash;
  delete req.session.flash;
  return message;
}

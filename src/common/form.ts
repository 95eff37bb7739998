import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request } from 'express';

/** One field of a posted form; a repeated or missing field reads as ''. */
export function formField(req: Request, name: string): string {
  const body: unknown = req.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** A field that may be posted several times (checkboxes). */
export function formList(req: Request, name: string): string[] {
  const body: unknown = req.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string');
  }
  return typeof value === 'string' ? [value] : [];
}

/** The posted `settings[...]` of a preference form. */
export function formObject(req: Request, name: string): unknown {
  const body: unknown = req.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

export type FormCheck<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates a form DTO; the message joins every problem in plain words. */
export async function checkForm<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<FormCheck<T>> {
  const dto = plainToInstance(type, plain);
  const problems = await validate(dto);
  if (problems.length > 0) {
    return { ok: false, message: problems.flatMap((p) => Object.values(p.constraints ?? {})).join('. ') };
  }
  return { ok: true, value: dto };
}

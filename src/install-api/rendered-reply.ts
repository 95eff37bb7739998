// ctx.render({ contentType, data, status }): a non-JSON reply on the install URL. Only the media
// types the sandbox output accepts; HTML gets a CSP that allows no script, frame, form target or remote resource.
import { renderMediaType } from '../sandbox/sandbox.output';

export const RENDERED_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The media type ctx.render may use (lower case, no parameters), or null (checked again: the sandbox output refuses others). */
export function renderableType(contentType: string): string | null {
  return renderMediaType(contentType);
}

/** Headers of a rendered reply: its type in UTF-8, never sniffed, HTML sandboxed by CSP. */
export function renderedHeaders(type: string): Record<string, string> {
  return {
    'Content-Type': `${type}; charset=utf-8`,
    'X-Content-Type-Options': 'nosniff',
    ...(type === 'text/html' ? { 'Content-Security-Policy': RENDERED_HTML_CSP } : {}),
  };
}

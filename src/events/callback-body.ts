/**
 * The body a callback carries: the SmartApp's JSON with the platform's installation id in it, so the
 * id is covered by the signature and a receiver never has to trust the app for it. An object gets
 * an `installationId` member (the platform's value wins over one the app set); any other JSON value
 * is wrapped as `{installationId, data}`.
 */
export function callbackBody(appBody: unknown, installationId: string): Record<string, unknown> {
  if (appBody !== null && typeof appBody === 'object' && !Array.isArray(appBody)) {
    return { ...(appBody as Record<string, unknown>), installationId };
  }
  return { installationId, data: appBody ?? null };
}

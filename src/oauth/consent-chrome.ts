import type { TransactionContext } from './authorize.service';

/** What the focused layout shows around the consent pages: who asks, through which SmartApp, and the way back. */
export interface ConsentChrome {
  layout: 'layouts/focused';
  app: { name: string; description: string; author: string; iconUrl: string | null; displayLink: string | null };
  client: { name: string; host: string };
  backUrl: string;
}

export function consentChrome(ctx: TransactionContext, backUrl: string): ConsentChrome {
  const definition = ctx.version.definition;
  return {
    layout: 'layouts/focused',
    app: {
      name: ctx.app.name,
      description: ctx.app.description,
      author: ctx.app.author,
      iconUrl: definition.iconUrl ?? null,
      displayLink: definition.oauth?.displayLink ?? null,
    },
    client: { name: ctx.client.name, host: new URL(ctx.txn.redirectUri).host },
    backUrl,
  };
}

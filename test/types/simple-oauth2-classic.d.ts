// simple-oauth2 0.5 (2015), installed as simple-oauth2-classic: the part stoauth.js uses.
declare module 'simple-oauth2-classic' {
  interface ClassicOAuth2 {
    authCode: {
      authorizeURL(params: { redirect_uri: string; scope?: string; state?: string }): string;
      getToken(params: { code: string; redirect_uri: string }): Promise<Record<string, unknown>>;
    };
    accessToken: { create(result: Record<string, unknown>): { token: Record<string, unknown> } };
  }
  function simpleOAuth2(config: { clientID: string; clientSecret: string; site: string }): ClassicOAuth2;
  export = simpleOAuth2;
}

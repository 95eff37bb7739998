import type { VersionView } from '../smartapps/smartapps.service';

/** Which optional parts of the snapshot a SmartApp's source can reach, by name (so others never pay for them). */
export interface SourceUses {
  subscriptions: boolean;
  atomicState: boolean;
  http: boolean;
}

const byVersion = new WeakMap<VersionView, SourceUses>();

export function sourceUses(version: VersionView): SourceUses {
  let uses = byVersion.get(version);
  if (!uses) {
    const source = version.source;
    uses = {
      subscriptions: source.includes('subscriptions'),
      atomicState: source.includes('atomicState'),
      // httpError needs no policy; every request-making member does
      http: /\b(httpGet|httpPost|httpPostJson|httpPut|httpPutJson|httpDelete|sendHubCommand)\b/.test(source),
    };
    byVersion.set(version, uses);
  }
  return uses;
}

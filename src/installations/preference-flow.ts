import type { DeviceView } from '../locations/devices.service';
import { pagesOf, SmartAppDefinition } from '../smartapps/smartapp-definition';
import { ChoiceCheck, checkChoices, ChosenGrant, FORM_ERROR } from './preference-choices';
import { SettingValue } from './installation-settings';

/** The raw choices of a multi-page form so far (as posted: a string or a list per input), kept between pages. */
export type PreferenceDraft = Record<string, string | string[]>;

/** What the person pressed: Next, Back, or the last page's Authorize / Install / Save. */
export type PageMove = 'next' | 'back' | 'finish';

export type FlowStep =
  /** show this page (0-based); with errors, the same page again (400) */
  | { kind: 'page'; page: number; draft: PreferenceDraft; errors: Record<string, string>; forged: boolean }
  | { kind: 'done'; draft: PreferenceDraft; settings: Record<string, SettingValue>; grants: ChosenGrant[] };

function inputNames(definition: SmartAppDefinition, page: number): Set<string> {
  return new Set(pagesOf(definition)[page].sections.flatMap((s) => s.inputs.map((i) => i.name)));
}

// the draft is stored (transaction row or session): bounded whatever is posted
const MAX_TEXT = 2000;
const MAX_LIST = 500;

function rawOf(value: unknown): string | string[] {
  if (Array.isArray(value)) {
    return value
      .filter((v): v is string => typeof v === 'string')
      .slice(0, MAX_LIST)
      .map((v) => v.slice(0, MAX_TEXT));
  }
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
}

/** The posted `page` field: a page index, or null when absent (a client posting the whole form at once). */
export function postedPage(value: unknown): number | null {
  return typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : null;
}

/**
 * One step of the preference pages: the posted page's choices are merged into the draft (a field
 * left out of a page's post, like an unticked box, is cleared), that page is checked before moving
 * on, and the last page checks every page before anything is installed. Back keeps what was typed.
 */
export function preferenceStep(
  definition: SmartAppDefinition,
  devices: DeviceView[],
  modes: string[],
  previous: PreferenceDraft,
  posted: unknown,
  page: number | null,
  move: PageMove,
): FlowStep {
  const pages = pagesOf(definition);
  if (posted !== undefined && (posted === null || typeof posted !== 'object' || Array.isArray(posted))) {
    const at = page === null ? 0 : Math.min(page, pages.length - 1);
    return { kind: 'page', page: at, draft: previous, errors: { [FORM_ERROR]: 'Your choices could not be read. Please make them again and save.' }, forged: false };
  }
  const form = (posted ?? {}) as Record<string, unknown>;
  // without a page field, the post holds the whole form: the fields it names replace the draft's
  const current = page === null ? (pages.length === 1 ? 0 : null) : Math.min(page, pages.length - 1);
  const names = current === null ? new Set(Object.keys(form)) : inputNames(definition, current);
  const draft: PreferenceDraft = { ...previous };
  for (const name of names) {
    if (current !== null || form[name] !== undefined) {
      draft[name] = rawOf(form[name]);
    }
  }
  const here = current ?? pages.length - 1;
  if (move === 'back') {
    return { kind: 'page', page: Math.max(0, here - 1), draft, errors: {}, forged: false };
  }
  if (current !== null) {
    const pageCheck = checkChoices(definition, devices, draft, { modes, only: inputNames(definition, current) });
    if (!pageCheck.ok) {
      return { kind: 'page', page: current, draft, errors: pageCheck.errors, forged: pageCheck.forged };
    }
    if (move === 'next' || current < pages.length - 1) {
      return { kind: 'page', page: Math.min(current + 1, pages.length - 1), draft, errors: {}, forged: false };
    }
  }
  const all: ChoiceCheck = checkChoices(definition, devices, draft, { modes });
  if (!all.ok) {
    const first = pages.findIndex((_, p) => [...inputNames(definition, p)].some((n) => all.errors[n] !== undefined));
    return { kind: 'page', page: first < 0 ? here : first, draft, errors: all.errors, forged: all.forged };
  }
  return { kind: 'done', draft, settings: all.settings, grants: all.grants };
}

/** A saved installation's choices as a draft, for Configure. */
export function draftOf(settings: Record<string, SettingValue>, grants: { inputName: string; deviceId: string }[]): PreferenceDraft {
  const draft: PreferenceDraft = {};
  for (const [name, value] of Object.entries(settings)) {
    draft[name] = Array.isArray(value) ? value : value === null ? '' : String(value);
  }
  for (const g of grants) {
    const list = draft[g.inputName];
    draft[g.inputName] = Array.isArray(list) ? [...list, g.deviceId] : [g.deviceId];
  }
  return draft;
}

/** The posted `decision` as a page move: `finish` is the last page's button (allow / install / save); anything else is null. */
export function pageMove(decision: unknown, finish: string): PageMove | null {
  if (decision === finish) {
    return 'finish';
  }
  return decision === 'next' || decision === 'back' ? decision : null;
}

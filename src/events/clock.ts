// The platform's one clock lives in src/common/clock.ts (global); kept here so existing imports work.
export { Clock } from '../common/clock';

/** The value of a non-device input (text, number, bool, enum, time). */
export type SettingValue = string | number | boolean | null;

/**
 * The value of a non-device input: text, phone, email, enum, mode and time are strings (time as
 * "HH:mm"), number and decimal are numbers, bool is a boolean; an enum with `multiple` is a list.
 */
export type SettingValue = string | number | boolean | null | string[];

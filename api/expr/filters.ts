// The filters a template may apply with `|`. Pure functions of (input, args).
import { stringify, toJson } from './values.js';

export interface Filter {
  /** Allowed argument counts. */
  args: readonly number[];
  apply: (input: unknown, args: unknown[]) => unknown;
}

const text = (v: unknown) => (typeof v === 'string' ? v : stringify(v));
const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

const ALL: Record<string, Filter> = {
  default: { args: [1], apply: (v, [d]) => (isEmpty(v) ? d : v) },
  json: { args: [0], apply: (v) => toJson(v === undefined ? null : v) },
  upper: { args: [0], apply: (v) => text(v).toUpperCase() },
  lower: { args: [0], apply: (v) => text(v).toLowerCase() },
  trim: { args: [0], apply: (v) => text(v).trim() },
  length: {
    args: [0],
    apply: (v) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      return 0;
    },
  },
  join: {
    args: [0, 1],
    apply: (v, [sep]) => (Array.isArray(v) ? v.map(text).join(sep === undefined ? ',' : text(sep)) : text(v)),
  },
  first: { args: [0], apply: (v) => (Array.isArray(v) ? v[0] : typeof v === 'string' ? v.slice(0, 1) : undefined) },
  last: {
    args: [0],
    apply: (v) => (Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v.slice(-1) : undefined),
  },
  number: {
    args: [0],
    apply: (v) => {
      const n = typeof v === 'number' ? v : Number(text(v).trim().replace(/,/g, ''));
      return Number.isFinite(n) ? n : null;
    },
  },
  string: { args: [0], apply: (v) => text(v) },
};

/** The filters by name, in a map without a prototype: `constructor` or `__proto__` name nothing. */
export const FILTERS: Readonly<Record<string, Filter>> = Object.freeze(
  Object.assign(Object.create(null) as object, ALL),
);

/** The filter called `name`, if there is one (own entries only). */
export function filterNamed(name: string): Filter | undefined {
  return Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
}

// The original filters (`value | name: arg`); like every function they may also be called as `name(value, arg)`.
import { checkTextLength, type Fn } from './fn.js';
import { stringify, toJson } from './values.js';

const text = (v: unknown) => (typeof v === 'string' ? v : stringify(v));
const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

export const VALUE_FILTERS: Record<string, Fn> = {
  default: { arity: [2], apply: ([v, d]) => (isEmpty(v) ? d : v) },
  json: { arity: [1], apply: ([v]) => toJson(v === undefined ? null : v) },
  upper: { arity: [1], apply: ([v]) => text(v).toUpperCase() },
  lower: { arity: [1], apply: ([v]) => text(v).toLowerCase() },
  trim: { arity: [1], apply: ([v]) => text(v).trim() },
  length: {
    arity: [1],
    apply: ([v]) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      return 0;
    },
  },
  join: {
    arity: [1, 2],
    apply: ([v, sep], cx) => {
      if (!Array.isArray(v)) return text(v);
      const separator = sep === undefined ? ',' : text(sep);
      cx.charge(v.length);
      const parts = v.map(text);
      checkTextLength(
        parts.reduce((n, p) => n + p.length, 0) + separator.length * Math.max(0, parts.length - 1),
        'join',
      );
      return parts.join(separator);
    },
  },
  first: { arity: [1], apply: ([v]) => (Array.isArray(v) ? v[0] : typeof v === 'string' ? v.slice(0, 1) : undefined) },
  last: {
    arity: [1],
    apply: ([v]) => (Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v.slice(-1) : undefined),
  },
  number: {
    arity: [1],
    apply: ([v], cx) => {
      if (typeof v === 'string') cx.charge(Math.floor(v.length / 10));
      const n = typeof v === 'number' ? v : Number(text(v).trim().replace(/,/g, ''));
      return Number.isFinite(n) ? n : null;
    },
  },
  string: { arity: [1], apply: ([v]) => text(v) },
};

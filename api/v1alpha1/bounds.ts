// Bounded building blocks. The API server estimates the cost of every CEL rule from maxLength,
// maxItems and maxProperties, so every string, list and map in a CRD carries a bound.
import { z } from 'zod';

/** A string bounded for CEL cost estimation and etcd size. */
export const boundedString = (max: number) => z.string().max(max);

/** A short name-like string: step ids, param names, slot names. */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';
export const identifier = () => z.string().min(1).max(63).regex(new RegExp(IDENTIFIER_PATTERN));

/** A map with at most `maxProperties` keys (the CRD gets maxProperties, zod a size check). */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  maxProperties: number,
) {
  return z
    .record(key, value)
    .refine((r) => Object.keys(r).length <= maxProperties, { message: `at most ${maxProperties} entries` })
    .meta({ maxProperties });
}

// A step target's identity as healing records keep it: only its locator fields (not the healing
// evidence), in canonical JSON, so the robot that records and the operator that reads agree.

/** Locator fields of a target (role+name, label, testId, text, css, xpath, exact, nth). */
export type LocatorFields = Record<string, string | boolean | number>;

const LOCATOR_FIELDS = ['role', 'name', 'exact', 'label', 'testId', 'text', 'css', 'xpath', 'nth'] as const;

export function locatorFieldsOf(t: object): LocatorFields {
  const out: LocatorFields = {};
  for (const k of LOCATOR_FIELDS) {
    const v = (t as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') out[k] = v;
  }
  return out;
}

/** Canonical JSON of a target's locator fields (sorted keys). */
export function targetKey(t: object): string {
  const fields = locatorFieldsOf(t);
  return JSON.stringify(Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]])));
}

/** A short, human description of a locator, e.g. `role=button[name="Save"]`. */
export function describeLocator(t: object): string {
  const f = locatorFieldsOf(t);
  const q = (v: unknown) => JSON.stringify(v);
  if (f.role !== undefined) return `role=${f.role}${f.name !== undefined ? `[name=${q(f.name)}]` : ''}`;
  if (f.testId !== undefined) return `testId=${q(f.testId)}`;
  if (f.label !== undefined) return `label=${q(f.label)}`;
  if (f.text !== undefined) return `text=${q(f.text)}`;
  if (f.css !== undefined) return `css=${q(f.css)}`;
  if (f.xpath !== undefined) return `xpath=${q(f.xpath)}`;
  return '(no locator)';
}

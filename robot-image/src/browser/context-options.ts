// A workflow's browser settings as Playwright context options. The HTTP credentials' values come from
// the caller (read from the job's credential slot after its scope allowed them for the origin) and are
// only ever sent to that origin.
import type { BrowserContextOptions } from 'playwright-core';
import type { BrowserSettings } from '../../../api/v1alpha1/browser-settings.js';

export interface HttpLogin {
  username: string;
  password: string;
}

export function contextOptions(settings: BrowserSettings | undefined, login?: HttpLogin): BrowserContextOptions {
  if (!settings) return {};
  const o: BrowserContextOptions = {};
  if (settings.viewport) o.viewport = settings.viewport;
  if (settings.locale) o.locale = settings.locale;
  if (settings.timezoneId) o.timezoneId = settings.timezoneId;
  if (settings.userAgent) o.userAgent = settings.userAgent;
  if (settings.geolocation) {
    o.geolocation = settings.geolocation;
    o.permissions = ['geolocation'];
  }
  if (settings.ignoreHTTPSErrors) o.ignoreHTTPSErrors = true;
  if (settings.extraHTTPHeaders) o.extraHTTPHeaders = settings.extraHTTPHeaders;
  if (settings.httpCredentials && login)
    o.httpCredentials = { ...login, origin: settings.httpCredentials.origin, send: 'unauthorized' };
  return o;
}

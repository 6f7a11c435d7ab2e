// How a workflow's browser context is set up: viewport, locale, time zone, user agent, geolocation,
// HTTP authentication from a credential slot, TLS errors, extra headers. Applied to every context the
// job opens (also when a session is restored after a crash). No proxy: see api/README.md.
import { z } from 'zod';
import { boundedRecord, boundedString, identifier } from './bounds.js';
import { withRules } from './rules.js';

/** Headers a workflow may not set: the browser, the egress guard or a credential owns them. */
export const FORBIDDEN_EXTRA_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'keep-alive',
  'trailer',
  'expect',
] as const;

const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
// Visible ASCII and spaces/tabs only: no CR/LF (header injection) or other controls.
const HEADER_VALUE = '^[\\t\\x20-\\x7e]*$';

export const HttpCredentials = z.strictObject({
  slot: identifier().meta({ description: "A credential slot of the workflow holding the user name and password." }),
  usernameKey: identifier().optional().meta({ description: 'Key of the user name in the slot (default username).' }),
  passwordKey: identifier().optional().meta({ description: 'Key of the password in the slot (default password).' }),
  origin: boundedString(512)
    .regex(/^https?:\/\/[^/?#\s]+$/)
    .meta({ description: 'The only origin (scheme://host[:port]) the credentials are sent to, when it asks (401).' }),
});
export type HttpCredentials = z.infer<typeof HttpCredentials>;

export const BrowserSettings = withRules(
  z.strictObject({
    viewport: z
      .strictObject({ width: z.int().min(200).max(7680), height: z.int().min(200).max(4320) })
      .optional(),
    locale: boundedString(35)
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
      .optional()
      .meta({ description: 'BCP 47 tag, e.g. de-DE.' }),
    timezoneId: boundedString(64)
      .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/)
      .optional()
      .meta({ description: 'IANA time zone, e.g. Europe/Berlin.' }),
    userAgent: boundedString(512).regex(/^[\x20-\x7e]+$/).optional(),
    geolocation: z
      .strictObject({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        accuracy: z.number().min(0).max(100000).optional(),
      })
      .optional()
      .meta({ description: 'The position pages see; the geolocation permission is granted.' }),
    httpCredentials: HttpCredentials.optional(),
    ignoreHTTPSErrors: z.boolean().optional(),
    extraHTTPHeaders: boundedRecord(
      boundedString(128).regex(new RegExp(HEADER_NAME)),
      boundedString(1024).regex(new RegExp(HEADER_VALUE)),
      16,
    ).optional(),
  }),
  [
    {
      cel: `!has(self.extraHTTPHeaders) || self.extraHTTPHeaders.all(k, !(k.lowerAscii() in [${FORBIDDEN_EXTRA_HEADERS.map((h) => `'${h}'`).join(', ')}]) && !k.lowerAscii().startsWith('sec-') && !k.lowerAscii().startsWith('proxy-'))`,
      message: `extraHTTPHeaders may not set ${FORBIDDEN_EXTRA_HEADERS.join(', ')}, sec-* or proxy-* headers`,
      fieldPath: '.extraHTTPHeaders',
      holds: (b) =>
        Object.keys(b.extraHTTPHeaders ?? {}).every((k) => {
          const h = k.toLowerCase();
          return !(FORBIDDEN_EXTRA_HEADERS as readonly string[]).includes(h) && !h.startsWith('sec-') && !h.startsWith('proxy-');
        }),
    },
  ],
);
export type BrowserSettings = z.infer<typeof BrowserSettings>;

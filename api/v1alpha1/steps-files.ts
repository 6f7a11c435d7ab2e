// The fields and rules of the file steps (issue 16): `download` saves the file a click or a navigation
// triggers as a job artifact; `upload` sets a file input from an artifact, a ConfigMap key or inline
// content. workflow.ts builds the steps from these (its `step` adds the common fields).
import { z } from 'zod';
import { boundedString } from './bounds.js';
import { celExactlyOne, exactlyOne, withRules, type CrossFieldRule } from './rules.js';
import { ARTIFACT_NAME_PATTERN } from './artifacts.js';
import { ConfigMapKeyRef, Target } from './target.js';

const TEMPLATE = 'Template: may contain {{ expressions }}.';

/** Largest inline upload content (the workflow is in etcd: keep it small; bigger files go in a ConfigMap). */
export const MAX_INLINE_UPLOAD_CHARS = 65536;

const artifactName = () =>
  boundedString(256)
    .min(1)
    .meta({ description: `Artifact name. ${TEMPLATE} Rendered: 1-128 of A-Z a-z 0-9 . _ - (no path).` });

/** A literal name (no template) must already be a valid artifact name; a template is checked when rendered. */
const literalNameValid = (name: string | undefined) =>
  name === undefined || name.includes('{{') || ARTIFACT_NAME_PATTERN.test(name);

export const downloadFields = {
  artifact: artifactName(),
  target: Target.optional().meta({ description: 'Element whose click starts the download.' }),
  url: boundedString(2048).min(1).optional().meta({ description: `URL whose navigation starts the download. ${TEMPLATE}` }),
};

export const downloadRules: Array<CrossFieldRule<{ target?: unknown; url?: string; artifact: string }>> = [
  {
    cel: celExactlyOne(['target', 'url']),
    message: 'download needs exactly one trigger: target (to click) or url (to open)',
    holds: (s) => exactlyOne(s.target, s.url),
  },
  {
    message: 'artifact must be 1-128 of A-Z a-z 0-9 . _ - and not start with . or -',
    fieldPath: '.artifact',
    holds: (s) => literalNameValid(s.artifact),
  },
];

export const UploadFile = withRules(
  z.strictObject({
    artifact: artifactName().optional().meta({ description: 'An artifact an earlier download step of this job stored.' }),
    configMapKeyRef: ConfigMapKeyRef.optional().meta({ description: "A key of a ConfigMap in the job's namespace (binaryData or data)." }),
    content: boundedString(MAX_INLINE_UPLOAD_CHARS).optional().meta({ description: `Inline text content. ${TEMPLATE}` }),
    name: boundedString(255)
      .min(1)
      .regex(ARTIFACT_NAME_PATTERN)
      .optional()
      .meta({ description: 'File name the page sees (default: the artifact name, the key, or upload.txt).' }),
    contentType: boundedString(255)
      .regex(/^[\w.+-]+\/[\w.+-]+$/)
      .optional()
      .meta({ description: 'MIME type the page sees (default: from the artifact, or guessed from the name).' }),
  }),
  [
    {
      cel: celExactlyOne(['artifact', 'configMapKeyRef', 'content']),
      message: 'file needs exactly one of artifact, configMapKeyRef, content',
      holds: (f) => exactlyOne(f.artifact, f.configMapKeyRef, f.content),
    },
  ],
);
export type UploadFile = z.infer<typeof UploadFile>;

export const uploadFields = {
  target: Target.meta({ description: 'The file input (input[type=file]).' }),
  file: UploadFile,
};

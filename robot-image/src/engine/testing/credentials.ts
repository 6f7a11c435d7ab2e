// Test support: a credential slot whose Secret's scope allows typing its values into one site's pages
// (what `rpa.aether.dev/credential-scope: [{urlPrefix: <site>/, usages: [fill]}]` says).
import type { CredentialUsage } from '../../../../api/v1alpha1/credential-scope.js';
import type { CredentialGrant } from '../../credscope/decide.js';
import type { SlotCredential } from '../scope.js';

export function siteGrant(siteUrl: string, usages: CredentialUsage[] = ['fill']): CredentialGrant {
  return { rules: [{ urlPrefix: `${new URL(siteUrl).origin}/`, usages }], source: 'annotation' };
}

export function siteCredential(values: Record<string, string>, siteUrl: string, secret = 'site-login'): SlotCredential {
  return { values, secret, grant: siteGrant(siteUrl) };
}

/** The annotation a Secret's owner sets so robots may type its values into the pages of one site. */
export function siteScopeAnnotations(siteUrl: string, usages: CredentialUsage[] = ['fill']): Record<string, string> {
  return { 'rpa.aether.dev/credential-scope': JSON.stringify([{ urlPrefix: `${new URL(siteUrl).origin}/`, usages }]) };
}

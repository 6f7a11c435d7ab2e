import { chromiumArgs, decideSandbox, type SandboxFacts } from './chromium.js';

describe('decideSandbox', () => {
  it.each<[string, SandboxFacts, boolean, RegExp?]>([
    ['non-root with user namespaces', { uid: 1000, maxUserNamespaces: 63000 }, true, undefined],
    ['non-root on a kernel without the Debian or AppArmor switches', { uid: 65532 }, true, undefined],
    ['Debian switch on', { uid: 1000, maxUserNamespaces: 100, unprivilegedUsernsClone: 1 }, true, undefined],
    ['root', { uid: 0, maxUserNamespaces: 63000 }, false, /root/],
    ['user namespaces off', { uid: 1000, maxUserNamespaces: 0 }, false, /max_user_namespaces=0/],
    ['Debian switch off', { uid: 1000, unprivilegedUsernsClone: 0 }, false, /unprivileged_userns_clone=0/],
    ['AppArmor restriction', { uid: 1000, apparmorRestrictsUserns: 1 }, false, /apparmor/],
  ])('%s', (_name, facts, sandbox, reason) => {
    const d = decideSandbox(facts);
    expect(d.sandbox).toBe(sandbox);
    if (!d.sandbox) expect(d.reason).toMatch(reason!);
  });

  it('adds --no-sandbox only without the sandbox', () => {
    expect(chromiumArgs(true)).not.toContain('--no-sandbox');
    expect(chromiumArgs(false)).toContain('--no-sandbox');
    expect(chromiumArgs(true)).toContain('--disable-background-networking');
  });
});

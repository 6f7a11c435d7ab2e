import { runtimeSpec, type RuntimeSpec } from './runtime-spec.js';

/** The shape `umoci unpack` writes (trimmed). */
const fromImage: RuntimeSpec = {
  ociVersion: '1.0.2',
  process: {
    terminal: true,
    user: { uid: 10001, gid: 10001 },
    args: ['/usr/bin/tini', '--', 'node', 'dist/robot-image/src/main.js'],
    env: ['PATH=/usr/bin', 'HOME=/tmp', 'NODE_ENV=production'],
    cwd: '/app',
    capabilities: { bounding: ['CAP_KILL'] },
  },
  root: { path: 'rootfs' },
  hostname: 'umoci-default',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['size=65536k'] },
  ],
  linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }], maskedPaths: ['/proc/kcore'] },
};

describe('runtimeSpec', () => {
  test('keeps the image user, cwd and args; read-only root; no terminal', () => {
    const s = runtimeSpec(fromImage, ['/usr/bin/tini', '--', 'node']);
    expect(s.process.user).toEqual({ uid: 10001, gid: 10001 });
    expect(s.process.cwd).toBe('/app');
    expect(s.process.args).toEqual(fromImage.process.args);
    expect(s.process.terminal).toBe(false);
    expect(s.process.capabilities).toEqual({ bounding: ['CAP_KILL'] });
    expect(s.root).toEqual({ path: 'rootfs', readonly: true });
    expect(s.linux?.maskedPaths).toEqual(['/proc/kcore']);
  });

  test('adds and overrides environment variables, keeping their order', () => {
    const s = runtimeSpec(fromImage, [], { env: { HOME: '/home/x', AETHER_POOL: 'p' } });
    expect(s.process.env).toEqual(['PATH=/usr/bin', 'HOME=/home/x', 'NODE_ENV=production', 'AETHER_POOL=p']);
  });

  test('a cmd replaces the image CMD after its entrypoint', () => {
    const s = runtimeSpec(fromImage, ['/usr/bin/tini', '--', 'node'], { cmd: ['dist/migrations/cli.js'] });
    expect(s.process.args).toEqual(['/usr/bin/tini', '--', 'node', 'dist/migrations/cli.js']);
  });

  test('the pod mounts: a writable /tmp and an unbounded /dev/shm replace what the image spec had', () => {
    const s = runtimeSpec(fromImage, []);
    expect(s.mounts?.filter((m) => m.destination === '/dev/shm')).toEqual([
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777'] },
    ]);
    expect(s.mounts?.find((m) => m.destination === '/tmp')).toMatchObject({
      type: 'tmpfs',
      options: expect.arrayContaining(['mode=1777']),
    });
    expect(s.mounts?.[0]).toEqual({ destination: '/proc', type: 'proc', source: 'proc' });
  });

  test('read-only bind mounts', () => {
    const s = runtimeSpec(fromImage, [], { readOnlyMounts: [{ source: '/host/kube', destination: '/etc/aether' }] });
    expect(s.mounts?.at(-1)).toEqual({
      destination: '/etc/aether',
      type: 'bind',
      source: '/host/kube',
      options: ['rbind', 'ro', 'nosuid', 'nodev'],
    });
  });

  test('host networking drops only the network namespace', () => {
    expect(runtimeSpec(fromImage, [], { hostNetwork: true }).linux?.namespaces).toEqual([
      { type: 'pid' },
      { type: 'mount' },
    ]);
    expect(runtimeSpec(fromImage, []).linux?.namespaces).toEqual(fromImage.linux!.namespaces);
  });

  test('sets the hostname when asked, and leaves the input unchanged', () => {
    const before = JSON.stringify(fromImage);
    expect(runtimeSpec(fromImage, [], { hostname: 'robot-0' }).hostname).toBe('robot-0');
    expect(runtimeSpec(fromImage, []).hostname).toBe('umoci-default');
    expect(JSON.stringify(fromImage)).toBe(before);
  });
});

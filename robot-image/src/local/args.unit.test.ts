import { parseArgs, UsageError } from './args.js';

describe('parseArgs', () => {
  it.each([
    ['no command', [], { command: 'help' }],
    ['help flag', ['--help'], { command: 'help' }],
    ['help after run', ['run', 'a.yaml', '-h'], { command: 'help' }],
  ])('%s', (_name, argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected);
  });

  it('reads files, params, secrets and switches', () => {
    const a = parseArgs([
      'run',
      'job.yaml',
      '-f',
      'wf.yaml',
      '--file=more.yaml',
      '--param',
      'customer=C-1',
      '-p',
      'url=http://x/?a=b',
      '--secret',
      'portal=p.env',
      '--secrets-dir',
      'sec',
      '--serve',
      'site',
      '--data-dir',
      'd',
      '--new',
      '--headed',
      '--job',
      'j',
      '--log-level',
      'debug',
    ]);
    expect(a).toEqual({
      command: 'run',
      files: ['job.yaml', 'wf.yaml', 'more.yaml'],
      params: { customer: 'C-1', url: 'http://x/?a=b' },
      secrets: { portal: 'p.env' },
      secretsDir: 'sec',
      serve: 'site',
      dataDir: 'd',
      fresh: true,
      headed: true,
      job: 'j',
      logLevel: 'debug',
      ui: false,
      open: false,
    });
  });

  it.each([
    ['--ui', ['--ui'], { ui: true, open: false }],
    ['--ui-port N implies --ui', ['--ui-port', '8123'], { ui: true, uiPort: 8123, open: false }],
    ['--ui-port=N', ['--ui-port=9000'], { ui: true, uiPort: 9000 }],
    ['--open implies --ui', ['--open'], { ui: true, open: true }],
  ])('console: %s', (_name, flags, expected) => {
    expect(parseArgs(['run', 'a.yaml', ...flags])).toMatchObject(expected);
  });

  it('no console without --ui', () => {
    const a = parseArgs(['run', 'a.yaml']);
    expect(a).toMatchObject({ ui: false, open: false });
    expect(a).not.toHaveProperty('uiPort');
  });

  it('--no-serve turns serving off', () => {
    expect(parseArgs(['run', 'a.yaml', '--no-serve'])).toMatchObject({ serve: false });
  });

  it.each([
    ['unknown command', ['start'], 'unknown command "start"'],
    ['no file', ['run'], 'no file given'],
    ['param without =', ['run', 'a.yaml', '--param', 'x'], '--param x: expected KEY=VALUE'],
    ['param with empty key', ['run', 'a.yaml', '--param', '=1'], 'expected KEY=VALUE'],
    ['flag without value', ['run', 'a.yaml', '--data-dir'], '--data-dir needs a value'],
    ['unknown option', ['run', 'a.yaml', '--fast'], 'unknown option --fast'],
    ['port that is not a number', ['run', 'a.yaml', '--ui-port', 'abc'], '--ui-port abc: expected a port number 1-65535'],
    ['port out of range', ['run', 'a.yaml', '--ui-port', '70000'], 'expected a port number 1-65535'],
    ['port zero', ['run', 'a.yaml', '--ui-port=0'], 'expected a port number 1-65535'],
    ['port without value', ['run', 'a.yaml', '--ui-port'], '--ui-port needs a value'],
    ['bad log level', ['run', 'a.yaml', '--log-level', 'loud'], '--log-level must be one of'],
  ])('rejects %s', (_name, argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      parseArgs(['run', '--fast', '--param', 'x']);
      throw new Error('expected a UsageError');
    } catch (err) {
      expect((err as UsageError).problems).toHaveLength(3);
    }
  });
});

import { UsageError } from './args.js';
import { parseServeArgs } from './serve-cli.js';

const problems = (argv: string[]): string[] => {
  try {
    parseServeArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.problems;
    throw err;
  }
  return [];
};

describe('aether serve arguments', () => {
  it.each([
    [['examples/site/public'], { dir: 'examples/site/public' }],
    [['site', '--host', '0.0.0.0', '--port', '8080'], { dir: 'site', host: '0.0.0.0', port: 8080 }],
    [['--port=0', 'site', '--host=::'], { dir: 'site', host: '::', port: 0 }],
  ])('%j', (argv, want) => {
    expect(parseServeArgs(argv)).toEqual(want);
  });

  it('reports every problem at once', () => {
    expect(problems(['--port', 'http', '--bogus', '--host'])).toEqual([
      '--port http: expected a port number (0-65535)',
      'unknown option --bogus',
      '--host needs a value',
      'serve needs the DIR to serve',
    ]);
    expect(problems(['a', 'b', '--port', '70000'])).toEqual(['--port 70000: expected a port number (0-65535)', 'unexpected argument b']);
  });
});

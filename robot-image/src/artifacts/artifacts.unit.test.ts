import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { multipartFiles } from '../../../e2e/site/files.js';
import { contentTypeOf, UNKNOWN_CONTENT_TYPE } from './content-type.js';
import { ArtifactLimitError, readCapped } from './read-capped.js';

describe('contentTypeOf', () => {
  it.each([
    ['report.pdf', 'application/pdf'],
    ['ORDERS.CSV', 'text/csv'],
    ['a.tar.gz', 'application/gzip'],
    ['noext', UNKNOWN_CONTENT_TYPE],
    ['x.weird', UNKNOWN_CONTENT_TYPE],
  ])('%s -> %s', (name, type) => expect(contentTypeOf(name)).toBe(type));
});

describe('readCapped', () => {
  const chunks = (n: number, size: number) => Readable.from(Array.from({ length: n }, (_, i) => Buffer.alloc(size, i)));

  it('returns the bytes and their sha256', async () => {
    const all = Buffer.concat(Array.from({ length: 4 }, (_, i) => Buffer.alloc(10, i)));
    const r = await readCapped(chunks(4, 10), 40, () => 'too large');
    expect(r.content.equals(all)).toBe(true);
    expect(r.sha256).toBe(createHash('sha256').update(all).digest('hex'));
  });

  it('stops at the first chunk past the cap, with the caller’s message', async () => {
    let pulled = 0;
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield Buffer.alloc(10);
        }
      })(),
    );
    await expect(readCapped(stream, 25, (n) => `over: ${n}`)).rejects.toThrow(new ArtifactLimitError('over: 30'));
    expect(pulled).toBeLessThan(10);
    expect(stream.destroyed).toBe(true);
  });
});

describe('the test site parses multipart uploads', () => {
  it('finds the file part with its name, type and exact bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255]);
    const body = Buffer.concat([
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'),
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="d.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
      bytes,
      Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    const [f, ...rest] = multipartFiles('multipart/form-data; boundary=XyZ', body);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ field: 'file', fileName: 'd.bin', contentType: 'application/octet-stream', size: 6 });
    expect(f!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});

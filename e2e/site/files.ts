// The test site's file pages (no login): links that download a PDF and a CSV, a file of any size, and an
// upload form whose server keeps what it received (name, size, sha256, bytes) so a test can check them.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A minimal one-page PDF: what /files/report.pdf serves. */
export const REPORT_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);
export const ORDERS_CSV = Buffer.from('order,customer,amount\n1001,Ada Lovelace,120.50\n1002,Alan Turing,75.00\n', 'utf8');

export interface ReceivedUpload {
  field: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  text: string;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

export function filesPage(): string {
  return page(
    'Files',
    `<a id="pdf" href="/files/report.pdf">Report (PDF)</a>
     <a id="csv" href="/files/orders.csv">Orders (CSV)</a>
     <a id="big" href="/files/big.bin?bytes=3000000">Big file</a>
     <a id="nothing" href="#">No download</a>`,
  );
}

export function uploadPage(): string {
  return page(
    'Upload',
    `<form method="post" action="/files/upload" enctype="multipart/form-data">
       <label for="file">Data file</label><input id="file" type="file" name="file">
       <button type="submit">Send</button>
     </form>`,
  );
}

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Handles /files/*; false when the path is not one of them. */
export async function handleFiles(req: IncomingMessage, res: ServerResponse, u: URL, received: ReceivedUpload[]): Promise<boolean> {
  const method = req.method ?? 'GET';
  const attachment = (name: string, type: string, body: Buffer) => {
    res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${name}"`, 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(body);
  };
  const html = (body: string) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  if (method === 'GET' && u.pathname === '/files') return html(filesPage()), true;
  if (method === 'GET' && u.pathname === '/files/report.pdf') return attachment('report.pdf', 'application/pdf', REPORT_PDF), true;
  if (method === 'GET' && u.pathname === '/files/orders.csv') return attachment('orders.csv', 'text/csv', ORDERS_CSV), true;
  if (method === 'GET' && u.pathname === '/files/big.bin') {
    const bytes = Math.min(Number(u.searchParams.get('bytes') ?? 1024), 50 * 1024 * 1024);
    return attachment('big.bin', 'application/octet-stream', Buffer.alloc(bytes, 0x61)), true;
  }
  if (method === 'GET' && u.pathname === '/files/upload') return html(uploadPage()), true;
  if (method === 'POST' && u.pathname === '/files/upload') {
    const parts = multipartFiles(req.headers['content-type'] ?? '', await readRaw(req));
    received.push(...parts);
    html(page('Received', parts.map((p) => `<p class="received" data-name="${p.fileName}">${p.fileName} ${p.size} bytes sha256 <span class="sha">${p.sha256}</span></p>`).join('')));
    return true;
  }
  if (method === 'GET' && u.pathname === '/files/received') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(received));
    return true;
  }
  return false;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_UPLOAD_BYTES) throw new Error('upload too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The file parts of a multipart/form-data body (enough of RFC 7578 for a browser's form post). */
export function multipartFiles(contentType: string, body: Buffer): ReceivedUpload[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const out: ReceivedUpload[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length + 2; // CRLF after the delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next - 2); // CRLF before the next delimiter
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd >= 0) {
      const head = part.subarray(0, headEnd).toString('utf8');
      const content = part.subarray(headEnd + 4);
      const fileName = /filename="([^"]*)"/.exec(head)?.[1];
      if (fileName !== undefined)
        out.push({
          field: /name="([^"]*)"/.exec(head)?.[1] ?? '',
          fileName,
          contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '',
          size: content.length,
          sha256: sha256(content),
          text: content.toString('utf8').slice(0, 1000),
        });
    }
    at = next;
  }
  return out;
}

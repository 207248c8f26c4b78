import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { streamGet } from '../../../src/http/stream-get.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function listen<S extends net.Server>(server: S): Promise<string> {
  servers.push(server);
  server.on(server instanceof https.Server ? 'secureConnection' : 'connection', (socket: net.Socket) =>
    sockets.add(socket),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A plain TCP server that answers every connection with `reply` (raw bytes), then closes or keeps it open. */
const raw = (reply: string, close = true) =>
  listen(
    net.createServer((socket) => {
      socket.once('data', () => (close ? socket.end(reply) : socket.write(reply)));
    }),
  );

/** Downloads `url`, keeping copies of the pieces and the buffers they were views of. */
async function download(url: string, options: { signal?: AbortSignal; ca?: Buffer } = {}) {
  const pieces: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const result = await streamGet(url, {
    signal: options.signal ?? AbortSignal.timeout(10_000),
    onBody: (bytes) => {
      buffers.add(bytes.buffer);
      pieces.push(Buffer.from(bytes));
    },
    ...(options.ca ? { ca: options.ca } : {}),
  });
  return { ...result, body: Buffer.concat(pieces).toString('utf8'), buffers };
}

const lines = (count: number) => Array.from({ length: count }, (_, i) => `line ${i} ✓ ünïcödé\n`).join('');

describe('streamGet', () => {
  it('reads a chunked body piece by piece, every piece a view of the one reused buffer', async () => {
    const text = lines(50_000);
    const host = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let at = 0; at < text.length; at += 7_919) res.write(text.slice(at, at + 7_919));
        res.end();
      }),
    );
    const got = await download(`http://${host}/log`);
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(got.body).toBe(text);
    expect(got.buffers.size).toBe(1);
  });

  it('reads a body sized by Content-Length, and one that ends with the connection', async () => {
    const sized = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-length': Buffer.byteLength('sized body') });
        res.end('sized body');
      }),
    );
    expect(await download(`http://${sized}/`)).toMatchObject({
      status: 200,
      complete: true,
      body: 'sized body',
    });
    const toClose = await raw('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the close\n');
    expect(await download(`http://${toClose}/`)).toMatchObject({
      status: 200,
      complete: true,
      body: 'until the close\n',
    });
  });

  it('follows redirects (relative and absolute), and refuses a loop', async () => {
    const target = await listen(
      http.createServer((req, res) => {
        if (req.url === '/hop') {
          res.writeHead(302, { location: '/final?sig=a%2Fb' });
          res.end('moved');
        } else res.end(`at ${req.url}`);
      }),
    );
    const first = await listen(
      http.createServer((_req, res) => {
        res.writeHead(307, { location: `http://${target}/hop` });
        res.end();
      }),
    );
    expect(await download(`http://${first}/start`)).toMatchObject({
      status: 200,
      body: 'at /final?sig=a%2Fb',
    });
    const loop = await listen(
      http.createServer((_req, res) => {
        res.writeHead(302, { location: '/again' });
        res.end();
      }),
    );
    await expect(download(`http://${loop}/`)).rejects.toThrow(/too many redirects/);
  });

  it('gives the status of an error response and none of its body', async () => {
    const host = await listen(
      http.createServer((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found');
      }),
    );
    expect(await download(`http://${host}/`)).toMatchObject({ status: 404, complete: true, body: '' });
  });

  it('refuses a compressed body, a broken response and a connection closed mid-body', async () => {
    const gzip = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        res.end(gzipSync('zipped'));
      }),
    );
    await expect(download(`http://${gzip}/`)).rejects.toThrow(
      'the response is compressed (gzip), which is not read',
    );
    await expect(download(`http://${await raw('SSH-2.0-OpenSSH\r\n\r\n')}/`)).rejects.toThrow(
      /the response could not be read/,
    );
    const cutShort = await raw('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this');
    await expect(download(`http://${cutShort}/`)).rejects.toThrow(
      'the connection closed before the response ended',
    );
    const refused = await listen(net.createServer());
    const port = refused.split(':')[1];
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(download(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stopped after the head, gives what it read as incomplete; stopped before, rejects', async () => {
    const slow = await raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nfirst\n\r\n', false);
    const got = await download(`http://${slow}/`, { signal: AbortSignal.timeout(300) });
    expect(got).toMatchObject({ status: 200, complete: false, body: 'first\n' });
    const silent = await listen(net.createServer(() => undefined));
    await expect(download(`http://${silent}/`, { signal: AbortSignal.timeout(200) })).rejects.toThrow(
      'the download was stopped',
    );
  });

  it('reads over HTTPS into the one buffer too, and refuses a certificate it does not trust', async () => {
    const text = lines(20_000);
    const host = await listen(
      https.createServer(
        {
          key: readFileSync(join(FIXTURES, 'localhost-key.pem')),
          cert: readFileSync(join(FIXTURES, 'localhost-cert.pem')),
        },
        (_req, res) => {
          for (let at = 0; at < text.length; at += 10_007) res.write(text.slice(at, at + 10_007));
          res.end();
        },
      ),
    );
    const port = host.split(':')[1];
    const ca = readFileSync(join(FIXTURES, 'localhost-cert.pem'));
    const got = await download(`https://localhost:${port}/log`, { ca });
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(got.body).toBe(text);
    expect(got.buffers.size).toBe(1);
    await expect(download(`https://localhost:${port}/log`)).rejects.toThrow(/self-signed certificate/);
  });
});

/**
 * A GET whose body is handed over piece by piece in one reused buffer, for downloads of any size (a job log of
 * hundreds of megabytes). The socket reads straight into that buffer (the `onread` option of `net.connect` and
 * `tls.connect`), and `http-parser-js` frames the response (head, `Content-Length`, chunked, or to the close) on views
 * of it. `fetch` and `node:http` allocate every piece anew and leave it to the garbage collector: for a 200 MB body
 * that was tens of megabytes of RSS; this way it is the one buffer.
 *
 * Each piece given to `onBody` is only valid during the call (the buffer is read into again after it). One request
 * per connection; redirects are followed; the body is asked for uncompressed, and a compressed one is refused.
 */
import net from 'node:net';
import tls from 'node:tls';
import httpParser from 'http-parser-js';

const { HTTPParser } = httpParser;

export interface StreamGetOptions {
  /** Ends the download: before the response's head it rejects; after, it resolves with `complete: false`. */
  signal: AbortSignal;
  /** Each piece of a 2xx response's body, in order (a view valid only during the call). */
  onBody: (bytes: Buffer) => void;
  /** Default 5. */
  maxRedirects?: number;
  /** Size of the one read buffer (default 64 KiB). */
  bufferBytes?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Certificates to trust instead of Node's default list (a test's own). */
  ca?: string | Buffer;
}

export interface StreamGetResult {
  status: number;
  /** False when `signal` ended the download before the body's end. */
  complete: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function streamGet(url: string, options: StreamGetOptions): Promise<StreamGetResult> {
  const buffer = Buffer.allocUnsafe(options.bufferBytes ?? 64 * 1024);
  let target = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await getOnce(target, buffer, options);
    if (!('location' in response)) return response;
    if (redirects >= (options.maxRedirects ?? 5)) {
      throw new Error(`too many redirects (the last to ${response.location.origin})`);
    }
    target = response.location;
  }
}

type Once = StreamGetResult | { location: URL };

function getOnce(url: URL, buffer: Buffer, options: StreamGetOptions): Promise<Once> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`cannot download from a ${url.protocol} address`));
  }
  if (options.signal.aborted) return Promise.reject(abortError());
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  return new Promise<Once>((resolve, reject) => {
    // What the parser has seen so far (its callbacks run inside `execute`; the outcome is taken after it returns).
    let status: number | undefined;
    let location: URL | undefined;
    let refused: Error | undefined;
    let complete = false;
    let settled = false;
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      status = info.statusCode;
      const headers = headerMap(info.headers);
      const wanted = status >= 200 && status < 300;
      const encoding = headers.get('content-encoding')?.toLowerCase();
      const redirect = headers.get('location');
      if (REDIRECTS.has(status) && redirect !== undefined) location = new URL(redirect, url);
      else if (wanted && encoding !== undefined && encoding !== 'identity') {
        refused = new Error(`the response is compressed (${encoding}), which is not read`);
      }
      // 1: no body to parse (a redirect's is not needed; the next request goes on a new connection).
      return location !== undefined || refused !== undefined ? 1 : 0;
    };
    parser[HTTPParser.kOnBody] = (chunk) => {
      if (
        !settled &&
        location === undefined &&
        refused === undefined &&
        status !== undefined &&
        status < 300
      ) {
        options.onBody(chunk);
      }
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      complete = true;
    };

    /** Settles once the parser has seen enough: a redirect, a refusal, or the whole message. */
    const settleIfDone = (): void => {
      if (location !== undefined) finish({ location });
      else if (refused !== undefined) fail(refused);
      else if (complete && status !== undefined) finish({ status, complete: true });
    };
    const onread = {
      buffer,
      callback: (read: number): boolean => {
        if (settled) return false;
        const parsed = parser.execute(buffer, 0, read);
        settleIfDone();
        if (parsed instanceof Error) fail(new Error(`the response could not be read: ${parsed.message}`));
        return !settled;
      },
    };
    const socket = secure
      ? // `tls.connect` takes `onread` as `net.connect` does (Node's tls docs); its typings leave it out.
        tls.connect({
          host,
          port,
          servername: net.isIP(host) ? undefined : host,
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
          onread,
        } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    /** Settles once: the connection and the abort listener go, then the outcome is given. */
    function settle(give: () => void) {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      give();
    }
    function finish(outcome: Once) {
      settle(() => resolve(outcome));
    }
    function fail(error: Error) {
      settle(() => reject(error));
    }
    function onAbort() {
      if (status === undefined) fail(abortError());
      else finish({ status, complete: false });
    }
    options.signal.addEventListener('abort', onAbort, { once: true });

    socket.once(secure ? 'secureConnect' : 'connect', () => {
      const headers = {
        host: url.host,
        accept: '*/*',
        'accept-encoding': 'identity',
        'user-agent': 'codecloud-github',
        connection: 'close',
        ...options.headers,
      };
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\n${head}\r\n`);
    });
    socket.once('error', (error) => fail(error));
    socket.once('close', () => {
      if (settled) return;
      // A body without a length ends with the connection: `finish` completes it.
      const ended = parser.finish();
      settleIfDone();
      if (ended instanceof Error || !settled)
        fail(new Error('the connection closed before the response ended'));
    });
  });
}

function headerMap(flat: string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    headers.set((flat[i] ?? '').toLowerCase(), (flat[i + 1] ?? '').trim());
  }
  return headers;
}

function abortError(): Error {
  return new DOMException('the download was stopped', 'AbortError');
}

/**
 * Test helper: serves a PGlite instance over the PostgreSQL wire protocol on 127.0.0.1 (port 0) so the `pg`
 * driver, and with it the store's PostgreSQL engine, can be tested for real without a system PostgreSQL.
 *
 * PGlite has one backend session, so connections take turns a transaction at a time: a connection owns the
 * session from its first message until PostgreSQL reports "idle" (ReadyForQuery `I`); others wait. The startup
 * handshake is answered here (trust authentication); everything after it goes to `execProtocolRaw`.
 * (`@electric-sql/pglite-socket` does the same but pins an older PGlite and allows one connection at a time.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

export interface PgliteWireServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** How many client connections were accepted so far. */
  connectionCount(): number;
  /** Stops listening and drops every connection (the PGlite instance stays open). */
  close(): Promise<void>;
}

const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;

export async function startPgliteWireServer(db: PGlite): Promise<PgliteWireServer> {
  const session = new SessionGate();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, db, session);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('wire server: no TCP address');
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    connectionCount: () => connections,
    close: () => closeServer(server, sockets),
  };
}

/** Who owns PGlite's single session right now; the others queue. */
class SessionGate {
  #owner: object | null = null;
  #waiters: (() => void)[] = [];

  async enter(connection: object): Promise<void> {
    while (this.#owner !== null && this.#owner !== connection) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#owner = connection;
  }

  leave(connection: object): void {
    if (this.#owner !== connection) return;
    this.#owner = null;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  owns(connection: object): boolean {
    return this.#owner === connection;
  }
}

function serveConnection(socket: Socket, db: PGlite, session: SessionGate): void {
  const connection = {};
  let buffer: Buffer = Buffer.alloc(0);
  let started = false;
  let inTransaction = false;
  let chain = Promise.resolve();

  const run = (work: () => Promise<void>): void => {
    chain = chain.then(work).catch(() => {
      socket.destroy();
    });
  };

  socket.on('data', (data) => {
    buffer = Buffer.concat([buffer, data]);
    if (!started) {
      if (buffer.length < 8) return;
      const length = buffer.readInt32BE(0);
      if (buffer.length < length) return;
      const code = buffer.readInt32BE(4);
      buffer = buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        socket.write('N');
        return;
      }
      if (code === CANCEL_REQUEST) {
        socket.end();
        return;
      }
      started = true;
      socket.write(startupReply());
    }
    const { messages, rest, terminate } = takeMessages(buffer);
    buffer = rest;
    if (messages.length > 0) {
      run(async () => {
        await session.enter(connection);
        const reply = await db.execProtocolRaw(new Uint8Array(messages));
        const status = lastReadyStatus(reply);
        // No ReadyForQuery yet (an extended-protocol batch without Sync): keep the session.
        inTransaction = status !== 'I';
        if (reply.length > 0 && socket.writable) socket.write(reply);
        if (!inTransaction) session.leave(connection);
      });
    }
    if (terminate) {
      run(async () => {
        socket.end();
      });
    }
  });

  const cleanUp = (): void => {
    run(async () => {
      if (session.owns(connection) && inTransaction) {
        await db.execProtocolRaw(new Uint8Array(simpleQuery('ROLLBACK'))).catch(() => undefined);
      }
      session.leave(connection);
    });
  };
  socket.on('close', cleanUp);
  socket.on('error', () => socket.destroy());
}

/** Complete messages (type byte + int32 length) at the front of `buffer`, stopping at Terminate (`X`). */
function takeMessages(buffer: Buffer): { messages: Buffer; rest: Buffer; terminate: boolean } {
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const type = buffer[offset];
    const length = buffer.readInt32BE(offset + 1);
    if (buffer.length - offset < length + 1) break;
    if (type === 0x58)
      return { messages: buffer.subarray(0, offset), rest: Buffer.alloc(0), terminate: true };
    offset += length + 1;
  }
  return { messages: buffer.subarray(0, offset), rest: buffer.subarray(offset), terminate: false };
}

/** The transaction status of the last ReadyForQuery (`Z`) in a backend reply, or null when there is none. */
function lastReadyStatus(reply: Uint8Array): string | null {
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  let status: string | null = null;
  let offset = 0;
  while (view.length - offset >= 5) {
    const length = view.readInt32BE(offset + 1);
    if (view[offset] === 0x5a && length === 5) status = String.fromCharCode(view[offset + 5] ?? 0);
    offset += length + 1;
  }
  return status;
}

/** AuthenticationOk, a few ParameterStatus, BackendKeyData, ReadyForQuery(idle). */
function startupReply(): Buffer {
  const parts = [message('R', int32(0))];
  for (const [name, value] of [
    ['server_version', '17.5'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
    ['TimeZone', 'UTC'],
  ] as const) {
    parts.push(message('S', Buffer.concat([cString(name), cString(value)])));
  }
  parts.push(message('K', Buffer.concat([int32(process.pid), int32(0)])));
  parts.push(message('Z', Buffer.from('I')));
  return Buffer.concat(parts);
}

function simpleQuery(sql: string): Buffer {
  return message('Q', cString(sql));
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function cString(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Local receivers for notification tests: a tiny SMTP server (node:net) that records each
 * message, and an HTTP server that records webhook posts.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/** One message the SMTP receiver accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Header lines and the decoded body. */
  headers: Record<string, string>;
  text: string;
  /** Whether the client sent AUTH. */
  authenticated: boolean;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  /** RCPT TO addresses the receiver refuses with 550. */
  refuse: Set<string>;
  /** Whether the receiver offers AUTH PLAIN (plain text only: a client must not use it). */
  offerAuth: boolean;
  close(): Promise<void>;
}

function parseMessage(data: string): { headers: Record<string, string>; text: string } {
  const [head = '', ...rest] = data.split('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = rest.join('\r\n\r\n').replace(/\r\n/g, '');
  const text =
    headers['content-transfer-encoding'] === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : body;
  return { headers, text };
}

/** Starts an SMTP receiver on an ephemeral port of 127.0.0.1. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const receiver: SmtpReceiver = {
    port: 0,
    messages: [],
    refuse: new Set(),
    offerAuth: false,
    close: () => Promise.resolve(),
  };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let data = '';
    let from = '';
    let to: string[] = [];
    let authenticated = false;
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    reply('220 receiver.test ESMTP');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            receiver.messages.push({ from, to, authenticated, ...parseMessage(data) });
            data = '';
            reply('250 queued');
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-receiver.test');
          if (receiver.offerAuth) reply('250-AUTH PLAIN');
          reply('250 8BITMIME');
        } else if (verb === 'AUTH') {
          authenticated = true;
          reply('235 ok');
        } else if (verb === 'MAIL') {
          from = /<(.*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 ok');
        } else if (verb === 'RCPT') {
          const address = /<(.*)>/.exec(line)?.[1] ?? '';
          if (receiver.refuse.has(address)) reply('550 no such user');
          else {
            to.push(address);
            reply('250 ok');
          }
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 not implemented');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  receiver.close = async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  };
  return receiver;
}

/** One webhook post. */
export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HookReceiver {
  url: string;
  hooks: ReceivedHook[];
  /** The status to answer with (default 204). */
  status: number;
  close(): Promise<void>;
}

/** Starts an HTTP server recording posts on an ephemeral port of 127.0.0.1. */
export async function startHookReceiver(): Promise<HookReceiver> {
  const receiver: HookReceiver = {
    url: '',
    hooks: [],
    status: 204,
    close: () => Promise.resolve(),
  };
  const server = createHttpServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      receiver.hooks.push({ headers: request.headers, body });
      response.statusCode = receiver.status;
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/waybill`;
  receiver.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return receiver;
}

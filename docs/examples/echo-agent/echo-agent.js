#!/usr/bin/env node
// An echo "voice agent" for Callgate's audio streams: the user hears themselves back. Serves both protocols —
// Twilio Media Streams on /twilio, Callgate's native protocol on /native — checks Callgate's X-Callgate-Signature
// when started with --secret, and logs each stream's start and stop.
//
//   node echo-agent.js --port 8099 [--secret S] [--public-base wss://agent.example.com] [--host 0.0.0.0]
//
// --secret       the value of CALLGATE_STREAMS_SIGNING_SECRET: upgrades without a valid signature get 401
// --public-base  scheme://host[:port] as Callgate's stream url spells it, when this server sits behind a proxy or
//                TLS terminator; by default the url is rebuilt from the Host header, as ws:// and as wss://
// Every second of echoed audio is followed by a mark; Callgate reports each mark once that audio was played, and the
// agent counts them (a real agent uses marks to know what the user has heard before a barge-in).
'use strict';

const http = require('http');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');

const TOLERANCE_SECONDS = 300;

function options(argv) {
  const opts = { port: 8099, host: '0.0.0.0', secret: null, publicBase: null };
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === '--port') opts.port = Number(value);
    else if (name === '--host') opts.host = value;
    else if (name === '--secret') opts.secret = value;
    else if (name === '--public-base') opts.publicBase = value.replace(/\/+$/, '');
    else if (name === '--help' || name === '-h') {
      console.log('node echo-agent.js --port 8099 [--secret S] [--public-base wss://host] [--host 0.0.0.0]');
      process.exit(0);
    } else {
      console.error(`unknown option ${name}`);
      process.exit(2);
    }
    i++;
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error('--port must be a port number');
    process.exit(2);
  }
  return opts;
}

const opts = options(process.argv);

function log(...args) {
  console.log(new Date().toISOString(), ...args);
}

/**
 * X-Callgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<url>")>, the url exactly as Callgate's
 * stream spec gives it (query included). True when one of the candidate urls matches, in constant time, and t is
 * within TOLERANCE_SECONDS of now.
 */
function verifySignature(header, urls, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  if (typeof header !== 'string') return false;
  let t = null;
  let v1 = null;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) v1 = Buffer.from(value, 'hex');
  }
  if (t === null || v1 === null || Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) return false;
  let ok = false;
  for (const url of urls) {
    const expected = crypto.createHmac('sha256', secret).update(`${t}.${url}`).digest();
    // timingSafeEqual needs equal lengths: both are 32 bytes here (v1 was checked to be 64 hex digits)
    ok = crypto.timingSafeEqual(expected, v1) || ok;
  }
  return ok;
}

/** The urls Callgate may have been given for this request (it signs the spec's url, not what reaches us). */
function candidateUrls(req) {
  if (opts.publicBase) return [opts.publicBase + req.url];
  const host = req.headers.host || '';
  return [`ws://${host}${req.url}`, `wss://${host}${req.url}`];
}

function refuse(socket, status, text) {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n`
    + `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  socket.destroy();
}

const server = http.createServer((req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain' });
  res.end('a WebSocket endpoint: /twilio or /native\n');
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 4 << 20 });

server.on('upgrade', (req, socket, head) => {
  const path = req.url.split('?')[0];
  if (path !== '/twilio' && path !== '/native') {
    refuse(socket, 404, 'Not Found');
    return;
  }
  if (opts.secret && !verifySignature(req.headers['x-callgate-signature'], candidateUrls(req), opts.secret)) {
    log(`refused an upgrade to ${path} from ${req.socket.remoteAddress}: no valid X-Callgate-Signature`);
    refuse(socket, 401, 'Unauthorized');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (path === '/twilio') twilio(ws);
    else nativeProtocol(ws);
  });
});

/** Twilio Media Streams: JSON text frames; media.payload is base64 μ-law 8 kHz. */
function twilio(ws) {
  let streamSid = null;
  let callSid = null;
  let frames = 0;
  let marksSent = 0;
  let marksPlayed = 0;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let m;
    try {
      m = JSON.parse(data.toString('utf8'));
    } catch (e) {
      log('twilio: not JSON, ignored');
      return;
    }
    switch (m.event) {
      case 'connected':
        break;
      case 'start':
        streamSid = m.start.streamSid;
        callSid = m.start.callSid;
        log(`twilio start: stream ${streamSid} call ${callSid} business number ${m.start.accountSid} `
          + `format ${JSON.stringify(m.start.mediaFormat)} parameters ${JSON.stringify(m.start.customParameters)}`);
        break;
      case 'media':
        // echo: the same μ-law back, as the application's audio
        ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: m.media.payload } }));
        if (++frames % 50 === 0) {
          ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: `echo-${frames / 50}s` } }));
          marksSent++;
        }
        break;
      case 'mark':
        marksPlayed++;
        break;
      case 'stop':
        log(`twilio stop: stream ${streamSid} call ${callSid}: ${frames} frames echoed, marks played `
          + `${marksPlayed}/${marksSent}`);
        break;
      default:
        break;
    }
  });
  ws.on('close', (code) => log(`twilio closed: stream ${streamSid} (code ${code})`));
}

/** Callgate's native protocol: JSON text for control, binary 16-bit little-endian PCM for audio. */
function nativeProtocol(ws) {
  let streamId = null;
  let callRef = null;
  let bytesPerSecond = 0;
  let bytes = 0;
  let nextMark = 0;
  let marksSent = 0;
  let marksPlayed = 0;
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.send(data, { binary: true }); // echo: the same PCM back, at the stream's rate
      bytes += data.length;
      if (bytesPerSecond > 0 && bytes >= nextMark + bytesPerSecond) {
        nextMark += bytesPerSecond;
        ws.send(JSON.stringify({ event: 'mark', name: `echo-${nextMark / bytesPerSecond}s` }));
        marksSent++;
      }
      return;
    }
    let m;
    try {
      m = JSON.parse(data.toString('utf8'));
    } catch (e) {
      log('native: not JSON, ignored');
      return;
    }
    switch (m.event) {
      case 'start':
        streamId = m.streamId;
        callRef = m.call && m.call.callRef;
        bytesPerSecond = m.format.sampleRate * 2 * (m.format.channels || 1);
        log(`native start: stream ${streamId} call ${callRef} (${m.call.direction}, WhatsApp call `
          + `${m.call.whatsappCallId || '-'}) format ${JSON.stringify(m.format)} parameters `
          + `${JSON.stringify(m.parameters)}`);
        break;
      case 'mark':
        marksPlayed++;
        break;
      case 'stop':
        log(`native stop: stream ${streamId} call ${callRef}: ${m.reason}; ${(bytes / Math.max(1, bytesPerSecond))
          .toFixed(1)} s echoed, marks played ${marksPlayed}/${marksSent}`);
        break;
      default:
        break;
    }
  });
  ws.on('close', (code) => log(`native closed: stream ${streamId} (code ${code})`));
}

server.listen(opts.port, opts.host, () => {
  log(`echo agent on ws://${opts.host}:${server.address().port} (/twilio, /native)`
    + (opts.secret ? `, signatures required (±${TOLERANCE_SECONDS} s)` : ', no signature check'));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const ws of wss.clients) ws.terminate();
    server.close(() => process.exit(0));
  });
}

#!/usr/bin/env node
// Checks echo-agent.js from the outside, speaking as Callgate does: starts it with a secret on a free port, streams
// signed twilio and native audio and expects it back byte for byte (and a mark after each second), and expects 401 for
// a wrong secret, a missing signature and a stale timestamp.   node selftest.js
'use strict';

const { spawn } = require('child_process');
const crypto = require('crypto');
const path = require('path');
const WebSocket = require('ws');

const SECRET = 'selftest-secret';
const sign = (url, secret = SECRET, t = Math.floor(Date.now() / 1000)) =>
  `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${url}`).digest('hex')}`;

function startAgent() {
  return new Promise((resolve, reject) => {
    const agent = spawn(process.execPath, [path.join(__dirname, 'echo-agent.js'), '--port', '0', '--host', '127.0.0.1',
      '--secret', SECRET]);
    agent.stderr.pipe(process.stderr);
    agent.stdout.on('data', (chunk) => {
      process.stdout.write(`  agent | ${chunk}`);
      const m = /on ws:\/\/[^:]+:(\d+)/.exec(chunk.toString());
      if (m) resolve({ agent, port: Number(m[1]) });
    });
    agent.on('exit', (code) => reject(new Error(`agent exited with ${code}`)));
  });
}

function open(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`),
      { status: res.statusCode })));
    ws.once('error', reject);
  });
}

async function refused(url, headers) {
  try {
    const ws = await open(url, headers);
    ws.close();
    return null;
  } catch (e) {
    return e.status;
  }
}

function collect(ws, until) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => reject(new Error(`timed out with ${got.length} messages`)), 5000);
    ws.on('message', (data, isBinary) => {
      got.push({ data, isBinary });
      if (until(got)) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

async function main() {
  const { agent, port } = await startAgent();
  let failures = 0;
  const check = (ok, what) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures++;
  };
  try {
    // native, 24 kHz: 50 frames of 20 ms (1 s) → the same 50 frames back and a mark "echo-1s"
    const nativeUrl = `ws://127.0.0.1:${port}/native?agent=echo`;
    const nws = await open(nativeUrl, { 'X-Callgate-Signature': sign(nativeUrl) });
    nws.send(JSON.stringify({ event: 'start', streamId: 'CSselftest', call: { callRef: 'order-77',
      direction: 'BUSINESS_INITIATED', phoneNumberId: '106540352242922', user: { phone: '4915112345678' } },
      parameters: { agent: 'echo' }, format: { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1,
      frameMillis: 20 } }));
    const sent = [];
    for (let i = 0; i < 50; i++) {
      const frame = Buffer.alloc(960);
      for (let j = 0; j < 480; j++) frame.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 660 * (i * 480 + j)
        / 24000)), j * 2);
      sent.push(frame);
    }
    const nativeGot = collect(nws, (got) => got.filter((m) => m.isBinary).length === 50
      && got.some((m) => !m.isBinary));
    sent.forEach((f) => nws.send(f, { binary: true }));
    const nMessages = await nativeGot;
    const echoed = nMessages.filter((m) => m.isBinary).map((m) => m.data);
    check(echoed.length === 50 && echoed.every((d, i) => Buffer.compare(d, sent[i]) === 0),
      'native: 50 binary frames echoed byte for byte');
    const nMark = nMessages.find((m) => !m.isBinary);
    check(nMark && JSON.parse(nMark.data).event === 'mark' && JSON.parse(nMark.data).name === 'echo-1s',
      'native: a mark after 1 s of audio');
    nws.send(JSON.stringify({ event: 'mark', name: 'echo-1s' })); // as Callgate reports it played
    nws.send(JSON.stringify({ event: 'stop', reason: 'call_ended' }));
    nws.close();

    // twilio: connected, start, 50 media → 50 media with the same payload and a mark
    const twilioUrl = `ws://127.0.0.1:${port}/twilio`;
    const tws = await open(twilioUrl, { 'X-Callgate-Signature': sign(twilioUrl) });
    const sid = 'MZselftest';
    tws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    tws.send(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid: sid, start: { streamSid: sid,
      accountSid: '106540352242922', callSid: 'order-77', tracks: ['inbound'], customParameters: {},
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
    const payloads = [];
    for (let i = 0; i < 50; i++) payloads.push(crypto.randomBytes(160).toString('base64'));
    const twilioGot = collect(tws, (got) => got.length === 51);
    payloads.forEach((p, i) => tws.send(JSON.stringify({ event: 'media', sequenceNumber: String(i + 2),
      streamSid: sid, media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: p } })));
    const tMessages = (await twilioGot).map((m) => JSON.parse(m.data));
    const media = tMessages.filter((m) => m.event === 'media');
    check(media.length === 50 && media.every((m, i) => m.streamSid === sid && m.media.payload === payloads[i]),
      'twilio: 50 media echoed with the same payload and streamSid');
    check(tMessages.some((m) => m.event === 'mark' && m.mark.name === 'echo-1s'), 'twilio: a mark after 1 s');
    tws.send(JSON.stringify({ event: 'stop', sequenceNumber: '52', streamSid: sid, stop: { callSid: 'order-77' } }));
    tws.close();

    // refusals
    check(await refused(nativeUrl, { 'X-Callgate-Signature': sign(nativeUrl, 'another-secret') }) === 401,
      'a signature with another secret: 401');
    check(await refused(nativeUrl, {}) === 401, 'no signature: 401');
    check(await refused(nativeUrl, { 'X-Callgate-Signature': sign(nativeUrl, SECRET,
      Math.floor(Date.now() / 1000) - 400) }) === 401, 'a signature 400 s old: 401');
    check(await refused(`ws://127.0.0.1:${port}/native?agent=other`, { 'X-Callgate-Signature': sign(nativeUrl) })
      === 401, 'a signature for another url: 401');
    check(await refused(`ws://127.0.0.1:${port}/elsewhere`, { 'X-Callgate-Signature': sign(nativeUrl) }) === 404,
      'another path: 404');
  } finally {
    await new Promise((r) => setTimeout(r, 200));
    agent.kill('SIGTERM');
  }
  console.log(failures === 0 ? 'all checks passed' : `${failures} checks failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

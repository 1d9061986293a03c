// Uploads under load with clients giving up at random moments, in both deployments: uploaders
// send multipart transcriptions of random sizes (64 KiB-8 MiB; chunked or with
// Content-Length; some with `Expect: 100-continue`; some asking for a streamed answer) and
// give up before the head, mid-body, after the body or mid-answer, or not at all, mixed with
// JSON chat calls (some streamed, some given up). Afterwards: every call not given up got its
// right answer (the transcription names the exact bytes of the file the provider received),
// the stack is whole (harness assertStackWhole: no connection, stream or upstream request
// left), resident memory did not keep growing, and SIGTERM ends every process in the bound
// the give-up test uses. Sanitizer builds run fewer, smaller calls; every check stays.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import {
  assertStackWhole, assertTerminates, countingClient, deployments, rssMb, startFakeUpstream,
  terminate,
} from './harness.mjs';

const KiB = 1 << 10;
const MiB = 1 << 20;
const SANITIZERS = Boolean(process.env.LLMSROUTER_E2E_SANITIZERS);
const SLOW = SANITIZERS ? 3 : 1;
const DRAIN_S = 2;
const TERM_MS = (DRAIN_S + 2) * 1000 * SLOW;  // as giveup.test.mjs
const RUN_MS = SANITIZERS ? 12000 : 20000;
const UPLOADERS = SANITIZERS ? 3 : 6;
const CHATTERS = SANITIZERS ? 2 : 3;
const MAX_FILE = SANITIZERS ? 2 * MiB : 8 * MiB;
const MIN_FILE = 64 * KiB;
const MOMENTS = ['none', 'none', 'before-head', 'mid-body', 'after-body', 'mid-answer'];
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const pool = randomBytes(MAX_FILE + 64 * KiB);  // files are slices of it at random offsets

const config = (fake) => `
servers:
  fake: {url: "${fake.url}", retries: {max: 0}}
  capped: {url: "${fake.url}", max_connections: 1, retries: {max: 0}}
`;

function form(file, stream) {
  const field = (name, value) =>
    `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.concat([
    Buffer.from(field('model', '[fake]whisper-1') + (stream ? field('stream', 'true') : '') +
                '--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'),
    file, Buffer.from('\r\n--b--\r\n')]);
}

// One upload over a connection of its own; gives up (socket destroyed) at `moment`. Resolves
// {gaveUp, status, text}; rejects on a transport error or after `timeoutMs`.
function upload(baseURL, { file, chunked, expect, stream, moment, timeoutMs }) {
  const body = form(file, stream);
  const headers = { 'content-type': 'multipart/form-data; boundary=b' };
  if (!chunked) headers['content-length'] = body.length;
  if (expect) headers.expect = '100-continue';
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseURL}/v1/audio/transcriptions`, { method: 'POST', agent: false, headers });
    let settled = false;
    let status = 0;
    let text = '';
    const finish = (settle) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      settle();
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish(() => reject(new Error(`upload (${moment}, ${body.length} bytes) still running`)));
    }, timeoutMs);
    const giveUp = () => {
      req.destroy();
      finish(() => resolve({ gaveUp: true, status, text }));
    };
    req.on('error', (e) => finish(() => reject(new Error(`upload (${moment}): ${e.message}`))));
    req.on('response', (res) => {
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
        if (moment === 'mid-answer') giveUp();
      });
      res.on('end', () => finish(() => resolve({ gaveUp: false, status, text })));
      res.on('error', (e) => finish(() => reject(new Error(`upload answer (${moment}): ${e.message}`))));
    });
    if (moment === 'before-head') {
      req.on('socket', (s) => s.on('connect', giveUp));
      return;
    }
    const cut = moment === 'mid-body' ? Math.floor(Math.random() * body.length) : body.length;
    const send = async () => {
      for (let at = 0; at < body.length; at += 64 * KiB) {
        if (settled) return;
        if (at >= cut) return giveUp();
        if (!req.write(body.subarray(at, at + 64 * KiB))) {
          await new Promise((r) => { req.once('drain', r); req.once('close', r); });
        }
      }
      req.end();
      if (moment === 'after-body') setTimeout(giveUp, Math.random() * 20);
    };
    if (expect) {
      req.flushHeaders();
      req.once('continue', send);
    } else {
      send();
    }
  });
}

function assertRightTranscription(outcome, file, stream) {
  const expected = `model=whisper-1 bytes=${file.length} sha256=${sha256(file)}`;
  assert.equal(outcome.status, 200, outcome.text.slice(0, 300));
  if (stream) {
    const done = outcome.text.split('\n\n').filter((e) => e.startsWith('data: '))
      .map((e) => JSON.parse(e.slice(6))).find((e) => e.type === 'transcript.text.done');
    assert.equal(done?.text, expected, outcome.text.slice(0, 300));
  } else {
    assert.equal(JSON.parse(outcome.text).text, expected);
  }
}

async function uploader(stack, until, tally) {
  while (Date.now() < until) {
    const size = MIN_FILE + Math.floor(Math.random() * (MAX_FILE - MIN_FILE));
    const offset = Math.floor(Math.random() * 64 * KiB);
    const file = pool.subarray(offset, offset + size);
    const stream = Math.random() < 0.3;
    const moment = pick(MOMENTS);
    const outcome = await upload(stack.baseURL, { file, chunked: Math.random() < 0.5,
      expect: Math.random() < 0.3, stream, moment, timeoutMs: 30000 * SLOW });
    tally[moment === 'none' ? 'whole' : 'gaveUp']++;
    if (moment === 'none') {
      assert.equal(outcome.gaveUp, false);
      assertRightTranscription(outcome, file, stream);
    }
  }
}

async function chatter(client, until, tally) {
  let n = 0;
  while (Date.now() < until) {
    const stream = n % 2 === 0;
    const giveUp = n++ % 3 === 0;
    const o = await client.call({ model: `[fake]chat${n}`, messages: [], stream },
      giveUp ? { giveUpAfterMs: Math.floor(Math.random() * 30) } : {});
    if (giveUp) {
      tally.chatGaveUp++;
      continue;
    }
    assert.equal(o.status, 200, o.body);
    assert.equal(o.gaveUp, false);
    if (stream) assert.match(o.body, /data: \[DONE\]/);
    else assert.ok(JSON.parse(o.body).choices[0].message.content);
    tally.chats++;
  }
}

function stackRss(stack) {
  return Object.values(stack.procs).reduce((sum, p) => sum + rssMb(p.pid), 0);
}

for (const deployment of deployments) {
  describe(`uploads given up at random moments through ${deployment.name}`, () => {
    it('every upload not given up is answered right; nothing is left behind; SIGTERM ends it', async () => {
      const fake = await startFakeUpstream(['--record', '0']);
      let stack;
      try {
        stack = await deployment.start(config(fake), ['--drain-timeout', String(DRAIN_S)]);
        const client = countingClient(stack.baseURL, { timeoutMs: 15000 * SLOW });
        const tally = { whole: 0, gaveUp: 0, chats: 0, chatGaveUp: 0 };
        const started = Date.now();
        // A third of the run as warm-up; resident memory is compared after it and at the end.
        const warm = started + RUN_MS / 3;
        const until = started + RUN_MS;
        let rssWarm;
        const sampler = new Promise((r) => setTimeout(() => { rssWarm = stackRss(stack); r(); }, warm - started));
        await Promise.all([
          ...Array.from({ length: UPLOADERS }, () => uploader(stack, until, tally)),
          ...Array.from({ length: CHATTERS }, () => chatter(client, until, tally)),
          sampler,
        ]);
        const rssEnd = stackRss(stack);
        console.log(JSON.stringify({ deployment: deployment.key, ...tally,
                                     rss_warm_mb: Math.round(rssWarm), rss_end_mb: Math.round(rssEnd) }));
        assert.ok(tally.whole >= 5 && tally.gaveUp >= 5, JSON.stringify(tally));
        await assertStackWhole(stack, fake, client, { normalModel: '[fake]after', cappedModel: '[capped]after',
                                                      uncountable: tally.chatGaveUp, slow: SLOW });
        if (!SANITIZERS) {  // ASan's quarantine keeps freed memory resident by design
          assert.ok(rssEnd - rssWarm < 96, `resident memory grew from ${rssWarm} to ${rssEnd} MB`);
        }
        await assertTerminates(stack, TERM_MS);
      } finally {
        if (stack) await terminate(stack, 1000);
        await fake.stop();
      }
    });
  });
}

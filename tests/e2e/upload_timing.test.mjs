// Uploads under hostile timing, in both deployments: a client that stops sending mid-body
// is answered 408 request_timeout after --body-idle-timeout (1 s here, 3 s under sanitizers) with
// "Connection: close", the provider sees its request cut short (never complete), the metric
// records 408, and the gateway then serves a JSON call; a slow but steady upload is never
// cut by that timeout (it bounds a gap between bytes, not the upload); a provider that starts
// its 2xx answer before the body's end (HTTP/1.1 allows it) gets the whole body while the
// client gets the whole answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { deployments, metricSum, startFakeUpstream, waitFor } from './harness.mjs';

const FORM_HEAD = '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\n[fake]whisper-1\r\n' +
  '--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n';
const FORM_TAIL = '\r\n--b--\r\n';
// --body-idle-timeout: tiny, and longer under sanitizers (a slower gateway must not time out
// the slow-but-steady upload for its own slowness).
const IDLE_S = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;

function uploadHead(length) {
  return 'POST /v1/audio/transcriptions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${length}\r\n\r\n`;
}

// A raw connection: `send(bytes)`, and `closed` resolving to everything received once the
// server closed (rejects after 20 s).
function rawClient(baseURL) {
  const { hostname, port } = new URL(baseURL);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  let got = '';
  const closed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close; got ${JSON.stringify(got)}`)), 20000);
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('error', () => {});  // a reset after the answer: what arrived is what counts
    socket.on('close', () => { clearTimeout(timer); resolve(got); });
  });
  return { send: (bytes) => new Promise((r) => socket.write(bytes, r)), closed, socket };
}

async function chatWorks(baseURL) {
  const res = await fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: '[fake]m', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(res.status, 200);
  assert.ok((await res.json()).choices[0].message.content);
}

for (const deployment of deployments) {
  describe(`stalled and slow uploads through ${deployment.name}`, () => {
    let fake;
    let gw;
    before(async () => {
      fake = await startFakeUpstream();
      gw = await deployment.start(`servers:\n  fake: {url: "${fake.url}", api_key: "k"}\n`,
        ['--body-idle-timeout', String(IDLE_S)]);
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('a client that stops sending mid-body gets 408 and the provider sees the request cut short', async () => {
      await fake.reset();
      const before408 = await metricSum(`${gw.baseURL}/metrics`, 'llmsrouter_http_requests_total',
        ['status="408"']);
      const file = Buffer.alloc(200000, 'a');
      const length = FORM_HEAD.length + file.length + FORM_TAIL.length;
      const client = rawClient(gw.baseURL);
      await client.send(uploadHead(length) + FORM_HEAD);
      await client.send(file.subarray(0, 100000));  // half the file, then nothing
      await waitFor(async () => (await fake.requests()).at(-1)?.bytes > 0,
                    { what: 'the first bytes to reach the provider' });
      const got = await client.closed;
      assert.match(got, /^HTTP\/1\.1 408 /, got);
      assert.match(got, /\r\nConnection: close\r\n/i, got);
      const error = JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)).error;
      assert.deepEqual([error.type, error.code], ['invalid_request_error', 'request_timeout']);
      assert.match(error.message, new RegExp(`no request body bytes arrived for ${IDLE_S * 1000} ms`));
      const [sent] = await waitFor(async () => {
        const requests = await fake.requests();
        return requests.length > 0 && requests.at(-1).state !== 'open' && requests.slice(-1);
      }, { what: 'the provider to see the request end' });
      assert.deepEqual([sent.state, sent.body_complete], ['aborted', false], JSON.stringify(sent));
      assert.ok(sent.bytes < length, `${sent.bytes} of ${length} bytes went upstream`);
      await waitFor(async () => await metricSum(`${gw.baseURL}/metrics`,
        'llmsrouter_http_requests_total', ['status="408"']) === before408 + 1,
      { what: 'the 408 in the metrics' });
      await chatWorks(gw.baseURL);
    });

    for (const chunked of [false, true]) {
      it(`a 2xx answer that starts before the body's end does not cut it (${chunked ? 'chunked' : 'Content-Length'})`, async () => {
        await fake.reset();
        await fake.behave({ answer_early_at: 256 * 1024 });
        const file = randomBytes(3 << 20);
        const body = Buffer.concat([Buffer.from(FORM_HEAD), file, Buffer.from(FORM_TAIL)]);
        const { hostname, port } = new URL(gw.baseURL);
        const headers = { 'content-type': 'multipart/form-data; boundary=b' };
        if (!chunked) headers['content-length'] = body.length;
        let text = '';
        const answered = new Promise((resolve, reject) => {
          const req = http.request({ host: hostname, port, method: 'POST', agent: false,
            path: '/v1/audio/transcriptions', headers }, (res) => {
            assert.equal(res.statusCode, 200);
            res.setEncoding('utf8');
            res.on('data', (d) => {
              text += d;
              if (text.includes('"early":true') && !req.writableEnded) {
                req.end(body.subarray(1 << 20));  // the rest, once the answer began
              }
            });
            res.on('end', resolve);
            res.on('error', reject);
          });
          req.on('error', reject);
          req.write(body.subarray(0, 1 << 20));
        });
        await answered;
        const events = text.split('\n\n').filter((e) => e.startsWith('data: '))
          .map((e) => e.slice(6));
        assert.equal(events.at(-1), '[DONE]', text);
        assert.equal(JSON.parse(events[0]).early, true, text);
        const last = JSON.parse(events.at(-2));
        const sent = (await fake.requests()).at(-1);
        assert.deepEqual([sent.state, sent.body_complete], ['finished', true], JSON.stringify(sent));
        // The provider's digest of the whole raw body (its model name rewritten) reached the
        // client, and the file part arrived intact.
        assert.equal(last.sha256, sent.sha256);
        assert.equal(last.bytes, sent.bytes);
        assert.equal(sent.parts.find((p) => p.name === 'file').sha256,
                     createHash('sha256').update(file).digest('hex'));
        assert.ok(sent.answered_at_bytes < body.length);
        await fake.behave({});
        await chatWorks(gw.baseURL);
      });
    }

    it('a slow but steady upload outlasting the idle timeout passes whole', async () => {
      const file = Buffer.alloc(60000);
      for (let i = 0; i < file.length; i++) file[i] = (i * 7) % 251;
      const body = Buffer.concat([Buffer.from(FORM_HEAD), file, Buffer.from(FORM_TAIL)]);
      const client = rawClient(gw.baseURL);
      await client.send(uploadHead(body.length).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
      // Pieces 500 ms apart, 3 times as long in all as the time allowed between bytes.
      const piece = Math.ceil(body.length / (6 * IDLE_S + 1));
      for (let at = 0; at < body.length; at += piece) {
        await client.send(body.subarray(at, at + piece));
        if (at + piece < body.length) await new Promise((r) => setTimeout(r, 500));  // pacing
      }
      const got = await client.closed;
      assert.match(got, /^HTTP\/1\.1 200 /, got);
      const sent = (await fake.requests()).at(-1);
      assert.deepEqual([sent.state, sent.body_complete], ['finished', true]);
      const filePart = sent.parts.find((p) => p.name === 'file');
      assert.equal(filePart.sha256, createHash('sha256').update(file).digest('hex'));
    });
  });
}

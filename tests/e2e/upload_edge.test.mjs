// The gateway's side of streamed uploads (issue 19), in both deployments: an upload's limit
// is its endpoint's (--upload-limits), checked on the declared length before any body byte
// is read (no "100 Continue" for a refused upload), JSON keeps --max-body-bytes, and a bad
// --upload-limits stops the start with a clear error. The SDK tests of whole uploads are in
// the upload e2e files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { binDir, deployments, startFakeUpstream } from './harness.mjs';

// Sends `head` on a raw connection and collects what comes back until the server closes.
function exchange(baseURL, head) {
  const { hostname, port } = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let got = '';
    socket.setTimeout(10000, () => reject(new Error(`no close; got ${JSON.stringify(got)}`)));
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

for (const deployment of deployments) {
  describe(`upload limits at the edge through ${deployment.name}`, () => {
    let fake;
    let gw;
    before(async () => {
      fake = await startFakeUpstream();
      gw = await deployment.start(`servers:\n  fake: {url: "${fake.url}", api_key: "k"}\n`,
        ['--upload-limits', 'audio/transcriptions=1KiB', '--max-body-bytes', '100000']);
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('an upload declared over its endpoint limit is 413 before its body, without 100 Continue', async () => {
      const got = await exchange(gw.baseURL,
        'POST /v1/audio/transcriptions HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 2048\r\n' +
        'Expect: 100-continue\r\n\r\n');
      assert.match(got, /^HTTP\/1\.1 413 /, got);
      assert.doesNotMatch(got, /100 Continue/);
      const body = JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'request_too_large');
      assert.match(body.error.message, /1024 bytes/);
      assert.equal((await fake.requests()).length, 0);
    });

    it('a JSON body keeps --max-body-bytes, not the upload limits', async () => {
      const pad = 'x'.repeat(50000);  // over the transcription limit, under --max-body-bytes
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: '[fake]m', messages: [{ role: 'user', content: pad }] }) });
      assert.equal(res.status, 200);
      await res.json();
    });
  });
}

describe('upload limit flags', () => {
  it('a bad --upload-limits or LLMSROUTER_UPLOAD_LIMITS stops the start with a clear error', () => {
    for (const [args, env, pattern] of [
      [['--upload-limits', 'audio=1MiB'], {}, /--upload-limits: 'audio=1MiB' is not endpoint=size/],
      [[], { LLMSROUTER_UPLOAD_LIMITS: 'files=lots' }, /'lots' is no size/],
      [['--max-upload-bytes', '1MiB', '--upload-limits', 'files=2MiB'], {}, /over --max-upload-bytes/],
    ]) {
      for (const bin of ['llmsrouter', 'llmsrouter-gateway']) {
        const run = spawnSync(join(binDir, bin), args, { env: { ...process.env, ...env }, timeout: 10000 });
        assert.notEqual(run.status, 0, `${bin} ${args}`);
        assert.match(run.stderr.toString(), pattern);
      }
    }
  });
});

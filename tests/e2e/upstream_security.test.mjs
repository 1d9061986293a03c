// Hostile clients and hostile upstreams (issue 18): ?proxy= cannot be bent to reach another
// host, port or path; an endless SSE event cannot grow the router; errors and headers do not
// leak internal addresses or the operator's account. All traffic stays on 127.0.0.0/8.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deployments, freePort, startAllInOne, startFakeUpstream, startSplit, waitFor } from './harness.mjs';

const chat = (model, extra = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

function post(gw, path, body) {
  // Never follow a redirect from the test client either.
  return fetch(gw.baseURL + path, { method: 'POST', headers: { 'content-type': 'application/json' },
                                    body, redirect: 'manual' });
}

function assertOpenAiError(body) {
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
}

function rssBytes(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) * 1024;
}

describe('?proxy= allow-list', () => {
  let secret;   // 127.0.0.1: must never be reached
  let allowed;  // 127.0.0.2: what the allow-list names
  let gw;
  before(async () => {
    secret = await startFakeUpstream();
    allowed = await startFakeUpstream(['--host', '127.0.0.2']);
    gw = await startAllInOne(
      `proxy:\n  allow_urls: ["http://127.0.0.2:*/v1"]\nservers:\n  fake: {url: "${allowed.url}"}\n`);
  });
  after(async () => {
    await gw?.stop();
    await allowed?.stop();
    await secret?.stop();
  });

  it('serves a URL the allow-list names', async () => {
    const res = await post(gw, `/v1/chat/completions?proxy=${encodeURIComponent(allowed.url)}`, chat('m'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const seen = await allowed.requests();
    assert.equal(seen.at(-1).path, '/v1/chat/completions');
  });

  it('refuses every bypass, and the fake behind them receives nothing', async () => {
    const S = secret.port;
    const A = allowed.port;
    const bypasses = [
      `http://127.0.0.2:1@127.0.0.1:${S}/v1`,
      `http://127.0.0.2:${A}@127.0.0.1:${S}/v1`,
      `http://127.0.0.2%40127.0.0.1:${S}/v1`,
      `http://127.0.0.1:${S}/secret/admin%23/v1`,
      `http://127.0.0.1:${S}/secret/admin#/v1`,
      `http://127.0.0.1:${S}/secret/admin?/v1`,
      `http://127.0.0.1:${S}/secret/admin%3F/v1`,
      `http://127.0.0.2:${A}/v1/..%2F..%2F..%2F127.0.0.1:${S}`,
      `http://127.0.0.2:${A}/v1/../../secret`,
      `http://127.0.0.2:${A}\\@127.0.0.1:${S}/v1`,
      `http:\\\\127.0.0.1:${S}/v1`,
      `http://127.0.0.2.127.0.0.1.nip:${S}/v1`,
      `http://127.0.0.2.:${S}/v1`,
      `http://[::1]:${S}/v1`,
      `http://[::ffff:127.0.0.1]:${S}/v1`,
      `HTTP://127.0.0.1:${S}/v1`,
      `http://127.0.0.1:${S}/v1`,
      `http://localhost:${S}/v1`,
      `http://127.1:${S}/v1`,
      `http://2130706433:${S}/v1`,
      `http://0x7f000001:${S}/v1`,
      `http://0177.0.0.1:${S}/v1`,
      `gopher://127.0.0.1:${S}/v1`,
      `file:///etc/passwd`,
    ];
    for (const url of bypasses) {
      // Sent once percent-encoded (the gateway decodes it) and once as the raw text.
      for (const query of [encodeURIComponent(url), encodeURIComponent(encodeURIComponent(url))]) {
        const res = await post(gw, `/v1/chat/completions?proxy=${query}`, chat('m'));
        assert.ok(res.status === 400 || res.status === 403 || res.status === 404, `${url}: ${res.status}`);
        const body = await res.json();
        assertOpenAiError(body);
      }
    }
    assert.deepEqual(await secret.requests(), []);
  });

  it('does not follow a redirect from an allowed upstream', async () => {
    const res = await post(gw, `/v1/chat/completions?proxy=${encodeURIComponent(allowed.url)}`,
                           chat(`m+redirect=${secret.port}`));
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-type'), 'application/json');  // the HTML became JSON
    assertOpenAiError(await res.json());
    assert.deepEqual(await secret.requests(), []);
  });
});

describe('leaks', () => {
  for (const deployment of deployments) {
    describe(deployment.name, () => {
      let fake;
      let gw;
      let deadPort;
      before(async () => {
        fake = await startFakeUpstream();
        deadPort = await freePort();  // nothing listens there
        gw = await deployment.start(
          `servers:\n  fake: {url: "${fake.url}", retries: {max: 0}}\n` +
          `  dead: {url: "http://127.0.0.1:${deadPort}/v1", retries: {max: 0}}\n`);
      });
      after(async () => {
        await gw?.stop();
        await fake?.stop();
      });

      it('a dead provider is named by its alias, not its address', async () => {
        for (const stream of [false, true]) {
          const res = await post(gw, '/v1/chat/completions', chat('[dead]m', { stream }));
          assert.equal(res.status, 502);
          const text = await res.text();
          const headers = JSON.stringify([...res.headers]);
          for (const leak of ['127.0.0.1', String(deadPort)]) {
            assert.ok(!text.includes(leak), `body leaks ${leak}: ${text}`);
            assert.ok(!headers.includes(leak), `headers leak ${leak}: ${headers}`);
          }
          assert.match(JSON.parse(text).error.message, /provider 'dead'/);
        }
        // The log keeps the detail, with the request id.
        assert.ok(gw.output.some((l) => l.includes('upstream transfer failed') && l.includes(String(deadPort))));
      });

      it('operator-identifying headers stay behind; every answer says nosniff', async () => {
        for (const stream of [false, true]) {
          const res = await post(gw, '/v1/chat/completions', chat('[fake]m+org=1', { stream }));
          assert.equal(res.status, 200);
          await res.text();
          assert.equal(res.headers.get('openai-organization'), null);
          assert.equal(res.headers.get('openai-project'), null);
          assert.equal(res.headers.get('openai-processing-ms'), '7');
          assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        }
      });

      it('an HTML error page becomes an OpenAI error that quotes it', async () => {
        const res = await post(gw, '/v1/chat/completions', chat('[fake]m+status=502+html=1'));
        assert.equal(res.status, 502);
        assert.equal(res.headers.get('content-type'), 'application/json');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        const body = await res.json();
        assertOpenAiError(body);
        assert.equal(body.error.code, 'upstream_error');
        assert.match(body.error.message, /^provider 'fake' answered HTTP 502: <html>/);
      });
    });
  }
});

describe('leaks: an unreachable router', () => {
  it('the client gets a 503 without the router\'s address; the gateway log keeps it', async () => {
    const fake = await startFakeUpstream();
    let gw;
    try {
      gw = await startSplit(`servers:\n  fake: {url: "${fake.url}"}\n`);
      const routerPort = String(gw.grpcPort);
      gw.routerProc.kill('SIGKILL');
      await new Promise((r) => gw.routerProc.once('exit', r));
      for (const stream of [false, true]) {
        const res = await post(gw, '/v1/chat/completions', chat('[fake]m', { stream }));
        assert.equal(res.status, 503);
        const text = await res.text();
        assert.ok(!text.includes('127.0.0.1') && !text.includes(routerPort), text);
        assertOpenAiError(JSON.parse(text));
      }
      await waitFor(() => gw.output.some((l) => l.includes('router call failed') && l.includes(routerPort)),
                    { what: 'the log line with the detail' });
    } finally {
      await gw?.stop();
      await fake.stop();
    }
  });
});

describe('leaks: JSON-line traces', () => {
  it('keep prompts and answers out unless --trace-content true is set', async () => {
    const fake = await startFakeUpstream();
    try {
      for (const [args, content] of [[[], false], [['--trace-content', 'true'], true]]) {
        const gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, args);
        try {
          const id = `jsonl-content-${content}`;
          const r = await fetch(`${gw.baseURL}/v1/chat/completions`, {
            method: 'POST', headers: { 'x-request-id': id },
            body: JSON.stringify({ model: '[fake]m', messages: [{ role: 'user', content: 'PROMPT-SECRET-42' }] }) });
          assert.equal(r.status, 200);
          const line = await waitFor(() => gw.output.find((l) => l.includes(`"request_id":"${id}"`)),
                                     { timeoutMs: 5000, what: 'a JSON-line trace' });
          assert.equal(line.includes('PROMPT-SECRET-42'), content, line);
          assert.equal(line.includes('tok0'), content, line);
          assert.ok(line.includes('"total_tokens"'), line);  // usage stays
        } finally {
          await gw.stop();
        }
      }
    } finally {
      await fake.stop();
    }
  });
});

describe('SSE memory bomb', () => {
  it('an endless event ends the call with an error; the router stays under cap + 32 MB', async () => {
    const fake = await startFakeUpstream(['--record', '0']);
    let gw;
    try {
      gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`);
      const pid = gw.proc.pid;
      const before = rssBytes(pid);
      let peak = before;
      const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(pid)); }, 20);
      const started = Date.now();
      const res = await post(gw, '/v1/chat/completions', chat('[fake]m+bomb=1024', { stream: true }));
      const text = await res.text();
      clearInterval(sampler);
      peak = Math.max(peak, rssBytes(pid));
      assert.equal(res.status, 200);  // the head went out before the event grew
      assert.match(text, /data: \{"error":\{"message":"provider 'fake' sent an SSE event over 4194304 bytes/);
      assert.ok(!text.includes('AAAA'), 'the unterminated event is not forwarded');
      const growthMb = (peak - before) / (1 << 20);
      console.log(`router RSS ${Math.round(before / (1 << 20))} MB -> peak ${Math.round(peak / (1 << 20))} MB ` +
                  `(+${growthMb.toFixed(1)} MB), ${Date.now() - started} ms`);
      assert.ok(growthMb < 4 + 32, `RSS grew by ${growthMb} MB`);
      // The upstream transfer was cancelled long before the gigabyte.
      const stats = await fake.stats();
      assert.ok(stats.bomb_bytes_sent < 64 << 20, `fake sent ${stats.bomb_bytes_sent} bytes`);
      assert.equal(stats.streams_aborted, 1);
    } finally {
      await gw?.stop();
      await fake.stop();
    }
  });

  it('a body past limits.buffered_bytes ends the call with a 502 before any head', async () => {
    const fake = await startFakeUpstream(['--record', '0']);
    let gw;
    try {
      gw = await startAllInOne(`limits: {buffered_bytes: 1048576}\nservers:\n  fake: {url: "${fake.url}"}\n`);
      const res = await post(gw, '/v1/chat/completions', chat('[fake]m+chunks=400000'));  // ~3 MB
      assert.equal(res.status, 502);
      const body = await res.json();
      assertOpenAiError(body);
      assert.equal(body.error.code, 'upstream_error');
      assert.match(body.error.message, /limits\.buffered_bytes/);
      // Small answers still pass: the budget was given back.
      assert.equal((await post(gw, '/v1/chat/completions', chat('[fake]m'))).status, 200);
    } finally {
      await gw?.stop();
      await fake.stop();
    }
  });
});

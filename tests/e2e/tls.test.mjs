// TLS on the gRPC port, with certificates made at test time (tests/tls/make_certs.sh): a
// plaintext client is refused, mutual TLS refuses clients without a certificate from its CA,
// and a rotated certificate is served without a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startAllInOne, startFakeUpstream, testCerts, waitFor } from './harness.mjs';

const run = promisify(execFile);
const script = join(repoRoot, 'tests', 'e2e', 'grpc_client.py');

// ListModels over a channel with `tlsArgs`; resolves the client's JSON line.
async function list(port, tlsArgs) {
  const { stdout } = await run('/usr/bin/python3',
    [script, '--router', `127.0.0.1:${port}`, ...tlsArgs, 'list'], { timeout: 30000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

const yaml = (fake) => `servers:\n  fake: {url: "${fake.url}"}\n`;

describe('TLS on the gRPC port', () => {
  let fake;
  let certs;
  const running = [];
  const start = async (args) => {
    const gw = await startAllInOne(yaml(fake), args, { LLMSROUTER_TLS_REFRESH_SECONDS: '1' });
    running.push(gw);
    return gw;
  };
  before(async () => {
    fake = await startFakeUpstream();
    certs = testCerts();
  });
  after(async () => {
    for (const gw of running) await gw.stop();
    await fake?.stop();
  });

  it('refuses a plaintext client and a client that does not trust its CA', async () => {
    const gw = await start(['--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key')]);
    assert.equal((await list(gw.grpcPort, ['--ca', certs.file('ca.pem')])).ok, true);
    assert.equal((await list(gw.grpcPort, [])).code, 'UNAVAILABLE');
    assert.equal((await list(gw.grpcPort, ['--ca', certs.file('ca2.pem')])).code, 'UNAVAILABLE');
  });

  it('with --tls-ca refuses clients without a certificate or with one from another CA', async () => {
    const gw = await start(certs.flags('server'));
    const ca = ['--ca', certs.file('ca.pem')];
    assert.equal((await list(gw.grpcPort, [...ca, '--cert', certs.file('client.pem'),
                                           '--key', certs.file('client.key')])).ok, true);
    assert.equal((await list(gw.grpcPort, ca)).code, 'UNAVAILABLE');
    assert.equal((await list(gw.grpcPort, [...ca, '--cert', certs.file('impostor.pem'),
                                           '--key', certs.file('impostor.key')])).code, 'UNAVAILABLE');
  });

  it('serves a rotated certificate without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmsrouter-rotate-'));
    copyFileSync(certs.file('server.pem'), join(dir, 'tls.crt'));
    copyFileSync(certs.file('server.key'), join(dir, 'tls.key'));
    const gw = await start(['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')]);
    const old = ['--ca', certs.file('ca.pem')];
    const rotated = ['--ca', certs.file('ca2.pem')];
    assert.equal((await list(gw.grpcPort, old)).ok, true);
    // As Kubernetes does: new files written aside, then renamed into place.
    copyFileSync(certs.file('server2.key'), join(dir, 'new.key'));
    copyFileSync(certs.file('server2.pem'), join(dir, 'new.crt'));
    renameSync(join(dir, 'new.key'), join(dir, 'tls.key'));
    renameSync(join(dir, 'new.crt'), join(dir, 'tls.crt'));
    await waitFor(async () => (await list(gw.grpcPort, rotated)).ok,
                  { what: 'the rotated certificate', timeoutMs: 15000, intervalMs: 200 });
    assert.equal((await list(gw.grpcPort, old)).code, 'UNAVAILABLE');
    assert.equal(gw.proc.exitCode, null);
  });
});

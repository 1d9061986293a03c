// A gRPC client in another language (Python, Debian's python3-grpcio) against the router:
// the example under examples/python, run as a user would run it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { deployments, repoRoot, startFakeUpstream } from './harness.mjs';

const run = promisify(execFile);

for (const deployment of deployments) {
  describe(`python gRPC client against ${deployment.name}`, () => {
    let fake;
    let gw;
    before(async () => {
      fake = await startFakeUpstream();
      gw = await deployment.start(
        `servers:\n  fake: {url: "${fake.url}", api_key: "k", append: ["gpt-fake", "extra"]}\n`);
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('lists models and streams a chat with the typed and the raw RPC', async () => {
      const { stdout } = await run('/usr/bin/python3', [
        join(repoRoot, 'examples', 'python', 'router_client.py'),
        '--router', `127.0.0.1:${gw.grpcPort}`, ...gw.grpcClientArgs,
        '--model', '[fake]gpt-fake+chunks=6', '--json'],
        { timeout: 60000 });
      const result = JSON.parse(stdout.trim().split('\n').at(-1));
      assert.deepEqual(result.models, ['[fake]gpt-fake', '[fake]gpt-fake-mini', '[fake]embed-fake', '[fake]extra']);
      assert.equal(result.typed_text, 'tok0 tok1 tok2 tok3 tok4 tok5 ');
      assert.equal(result.finish_reason, 'stop');
      assert.equal(result.usage_total, 17);
      assert.equal(result.call_status, 200);
      assert.equal(result.call_text, 'tok0 tok1 tok2 tok3 tok4 tok5 ');
      assert.equal(result.summary_finish_reason, 'stop');
    });

    it('gets a NOT_FOUND status for an unknown alias', async () => {
      await assert.rejects(
        run('/usr/bin/python3', [join(repoRoot, 'examples', 'python', 'router_client.py'),
          '--router', `127.0.0.1:${gw.grpcPort}`, ...gw.grpcClientArgs, '--model', '[nope]x', '--json'],
          { timeout: 60000 }),
        (err) => /NOT_FOUND/.test(err.stderr) && /fake/.test(err.stderr));
    });
  });
}

// Two fake OpenAI providers ("a" and "b") behind a fresh stack of one deployment, with the
// official SDK's clients on it: `client` (no routing header) and `viaB` (every call sent
// with X-LLMSRouter-Provider: b). `env`: the stack's environment. `stop()` ends the stack, then
// the fakes.
import OpenAI from 'openai';
import { startFakeUpstream } from './harness.mjs';

export async function startTwoProviders(deployment, env = {}) {
  const [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  const stopFakes = () => Promise.all([a.stop(), b.stop()]);
  let gw;
  try {
    gw = await deployment.start(`servers:\n  a: {url: "${a.url}"}\n  b: {url: "${b.url}"}\n`, [], env);
  } catch (e) {
    await stopFakes();
    throw e;
  }
  const options = { apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 };
  return {
    a, b, gw,
    client: new OpenAI(options),
    viaB: new OpenAI({ ...options, defaultHeaders: { 'X-LLMSRouter-Provider': 'b' } }),
    stop: async () => {
      await gw.stop();
      await stopFakes();
    },
  };
}

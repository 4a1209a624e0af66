/**
 * Forgot-password must answer a known and an unknown email alike, in time too: the request only queues one row,
 * and the sender looks the account up later. This prints the medians of 30 alternating requests of each kind
 * against a real server on SQLite (or PostgreSQL with TEST_DATABASE_URL / TEST_BACKEND=postgres, as the tests).
 * A number to read, not a test: a timed assertion would fail on a loaded machine and prove nothing on an idle one.
 *
 *   node --import tsx bench/forgot-timing.ts [--pairs 30]
 */
import { parseArgs } from 'node:util';
import { registerAccount, startTestServer, uniqueEmail } from '../tests/helpers/server.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '30' } } });
const pairs = Number(values.pairs);
const server = await startTestServer({ MAIL_ADDRESS_MAX_PER_HOUR: '100000', MAIL_ACCOUNT_MAX_PER_HOUR: '1000' });
try {
  const { email } = await registerAccount(server);
  const unknown = uniqueEmail('nobody');
  const forgot = (address: string) => server.client.POST('/api/v1/users/password/forgot', { body: { email: address } });
  for (let i = 0; i < 10; i += 1) await forgot(i % 2 ? email : unknown); // warm-up, not timed
  const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
  for (let i = 0; i < pairs; i += 1) {
    // Alternating which goes first: the sender's work for a known email runs after its 202, beside whichever
    // request comes next, and must weigh on both kinds alike.
    const pair = [['known', email], ['unknown', unknown]] as const;
    for (const [kind, address] of i % 2 === 0 ? pair : [...pair].reverse()) {
      const started = performance.now();
      const { response } = await forgot(address);
      times[kind].push(performance.now() - started);
      if (response.status !== 202) throw new Error(`forgot-password answered ${response.status}`);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
  const [known, none] = [median(times.known), median(times.unknown)];
  console.log(`forgot-password, medians of ${pairs} requests each: known email ${known.toFixed(2)} ms, unknown ${none.toFixed(2)} ms (difference ${((Math.abs(known - none) / Math.max(known, none)) * 100).toFixed(1)} %)`);
} finally {
  await server.stop();
}

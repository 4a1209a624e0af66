import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Fuzzer, FUZZ_SERVER_ENV } from './fuzzer.js';
import type { ApiModel } from './spec.js';

/** A server and a fuzzer for one test file: started before its tests, stopped after them. */
export function fuzzingServer(api: ApiModel): { readonly server: TestServer; readonly fuzzer: Fuzzer } {
  let server: TestServer | undefined;
  let fuzzer: Fuzzer | undefined;
  beforeAll(async () => {
    server = await startTestServer(FUZZ_SERVER_ENV);
    fuzzer = new Fuzzer(server, api);
  });
  afterAll(async () => {
    fuzzer?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the fuzzing server starts in beforeAll');
      return server;
    },
    get fuzzer() {
      if (!fuzzer) throw new Error('the fuzzing server starts in beforeAll');
      return fuzzer;
    },
  };
}

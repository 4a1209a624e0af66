import { createHmac } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import pLimit, { type LimitFunction } from 'p-limit';

const LONE_SURROGATE = /\p{Cs}/u;

/** Lone UTF-16 surrogates cannot be encoded, so two different ones would hash alike. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * bcrypt reads only the first 72 bytes of its input, so two long passwords
 * sharing a prefix would both verify. Every password is therefore NFKC-
 * normalised (so the same text typed on two keyboards matches), then reduced
 * to a 44-character base64 HMAC-SHA256 that bcrypt reads whole. The HMAC key
 * is the pepper: set PASSWORD_PEPPER to keep it out of the database's reach.
 */
export class PasswordHasher {
  private readonly dummyHash: Promise<string>;
  // bcrypt runs on libuv's thread pool (4 threads), which the SQLite driver
  // and fs share. Unbounded, a burst of logins filled the pool and /me waited
  // seconds for its query (bench/FINDINGS.md). One hash per core keeps the
  // same login throughput; at most three keeps a pool thread always free.
  private readonly slots: LimitFunction = pLimit(Math.max(1, Math.min(availableParallelism(), 3)));

  constructor(
    private readonly rounds: number,
    private readonly pepper: string,
  ) {
    // Verified against when the account does not exist, so an unknown email
    // costs the same bcrypt time as a wrong password.
    this.dummyHash = this.slots(() => bcrypt.hash(this.prehash('not-a-real-password'), rounds));
  }

  hash(password: string): Promise<string> {
    return this.slots(() => bcrypt.hash(this.prehash(password), this.rounds));
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    // A lone surrogate would be encoded as U+FFFD and match a password that
    // has that character; such a password cannot exist (register refuses it).
    const real = hasLoneSurrogate(password) ? undefined : hash;
    const against = real ?? (await this.dummyHash);
    const matches = await this.slots(() => bcrypt.compare(this.prehash(password), against));
    return real !== undefined && matches;
  }

  private prehash(password: string): string {
    return createHmac('sha256', this.pepper).update(password.normalize('NFKC'), 'utf8').digest('base64');
  }
}

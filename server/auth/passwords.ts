import { createHmac } from 'node:crypto';
import bcrypt from 'bcrypt';

/**
 * bcrypt reads only the first 72 bytes of its input, so two long passwords
 * sharing a prefix would both verify. Every password is therefore NFKC-
 * normalised (so the same text typed on two keyboards matches), then reduced
 * to a 44-character base64 HMAC-SHA256 that bcrypt reads whole. The HMAC key
 * is the pepper: set PASSWORD_PEPPER to keep it out of the database's reach.
 */
export class PasswordHasher {
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly rounds: number,
    private readonly pepper: string,
  ) {
    // Verified against when the account does not exist, so an unknown email
    // costs the same bcrypt time as a wrong password.
    this.dummyHash = bcrypt.hash(this.prehash('not-a-real-password'), rounds);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(this.prehash(password), this.rounds);
  }

  verify(password: string, hash: string | undefined): Promise<boolean> {
    if (hash === undefined) return this.dummyHash.then((dummy) => bcrypt.compare(this.prehash(password), dummy)).then(() => false);
    return bcrypt.compare(this.prehash(password), hash);
  }

  private prehash(password: string): string {
    return createHmac('sha256', this.pepper).update(password.normalize('NFKC'), 'utf8').digest('base64');
  }
}

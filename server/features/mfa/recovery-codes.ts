import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford-style base32 without look-alikes (no i, l, o, u): 16 characters are 80 bits. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 16;

/** Ten new codes, shown once as `xxxx-xxxx-xxxx-xxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return chars.match(/.{4}/g)?.join('-') ?? chars;
  });
}

/**
 * The stored form: HMAC-SHA256 under a key derived from MFA_ENCRYPTION_KEY, of the code without case, spaces or
 * dashes. Keyed rather than a bare hash so that a database dump alone cannot be searched for codes; 80 random bits
 * need no slow hash on top.
 */
export function hashRecoveryCode(key: Buffer, code: string): string {
  return createHmac('sha256', key).update(code.toLowerCase().replace(/[\s-]/g, '')).digest('hex');
}

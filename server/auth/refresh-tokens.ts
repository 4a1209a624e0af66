import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are opaque: 256 bits from the CSPRNG, base64url. The
 * database keeps only their SHA-256, so a leaked table grants nothing.
 *
 * A token's successor is derived, not drawn: HMAC(key, token). When two tabs
 * refresh with the same token at once, the loser of the race can be handed
 * the very successor the winner got — without the server ever storing a
 * refresh token's text.
 */
export class RefreshTokenCodec {
  private readonly successorKey: Buffer;

  constructor(secret: string) {
    this.successorKey = createHmac('sha256', secret).update('authapi refresh-token successor v1').digest();
  }

  generate(): string {
    return randomBytes(32).toString('base64url');
  }

  successorOf(token: string): string {
    return createHmac('sha256', this.successorKey).update(token, 'utf8').digest('base64url');
  }

  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }
}

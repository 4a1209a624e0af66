import { createHash, randomBytes } from 'node:crypto';
import { LinkTokenSchema, type LinkToken, type LinkTokenPurpose } from '../db/entities/link-token.entity.js';
import { UserSchema } from '../db/entities/user.entity.js';
import type { EntityManager } from '../db/orm.js';

export type { LinkTokenPurpose };

/** 256 random bits, base64url: 43 characters that survive any URL and any mail client. */
export function generateLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this is stored: a database leak gives no usable link. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface LinkTokenRequest {
  userId: number;
  purpose: LinkTokenPurpose;
  /** The address the link goes to (for an email change, the new one). */
  email: string;
  ttlSeconds: number;
  now: Date;
}

/**
 * A new token for a link. Older unused tokens of the same purpose and account become void (a new request
 * supersedes them), in the caller's transaction; the caller writes the mail carrying it in the same one.
 */
export async function issueLinkToken(em: EntityManager, request: LinkTokenRequest): Promise<string> {
  const { userId, purpose, email, ttlSeconds, now } = request;
  await voidLinkTokens(em, userId, [purpose], now);
  const token = generateLinkToken();
  em.create(LinkTokenSchema, {
    user: em.getReference(UserSchema, userId),
    purpose,
    tokenHash: hashLinkToken(token),
    email,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    usedAt: null,
  });
  return token;
}

/** Ends an account's unused tokens of these purposes (a password change voids its reset links). */
export function voidLinkTokens(em: EntityManager, userId: number, purposes: LinkTokenPurpose[], now: Date): Promise<number> {
  return em.nativeUpdate(LinkTokenSchema, { user: userId, purpose: { $in: purposes }, usedAt: null }, { usedAt: now });
}

/** The unused, unexpired token of one of these purposes with this text, and its account; undefined for any other. */
export async function findLiveLinkToken(em: EntityManager, token: string, purposes: LinkTokenPurpose[], now: Date): Promise<LinkToken | undefined> {
  const found = await em.findOne(
    LinkTokenSchema,
    { tokenHash: hashLinkToken(token), purpose: { $in: purposes }, usedAt: null, expiresAt: { $gt: now } },
    { populate: ['user'], refresh: true },
  );
  return found ?? undefined;
}

/** Spends a token found live; false when another request spent or voided it first (the update is the arbiter). */
export async function spendLinkToken(em: EntityManager, id: number, now: Date): Promise<boolean> {
  return (await em.nativeUpdate(LinkTokenSchema, { id, usedAt: null, expiresAt: { $gt: now } }, { usedAt: now })) === 1;
}

/** How many links an account was sent since `since` (every purpose): its hourly mail limit counts these. */
export function countLinkTokensSince(em: EntityManager, userId: number, since: Date): Promise<number> {
  return em.count(LinkTokenSchema, { user: userId, createdAt: { $gt: since } });
}

/** A link from its template: `{token}` replaced by the token, URL-safe as it is. */
export function linkFor(template: string, token: string): string {
  return template.replaceAll('{token}', token);
}

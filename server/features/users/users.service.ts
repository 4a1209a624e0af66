import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { components } from '../../../generated/openapi.js';
import type { AccessTokens } from '../../auth/access-tokens.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { AppError } from '../../errors.js';

type UserView = components['schemas']['User'];
type RegisterRequest = components['schemas']['RegisterRequest'];
type TokenResponse = components['schemas']['TokenResponse'];

export interface UsersServiceDeps {
  /** The ORM's root manager; inside a request it resolves to that request's context. */
  em: EntityManager;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
}

/** One spelling per mailbox: `Alice@X.com ` and `alice@x.com` are one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName ?? null,
    role: user.role,
    created_at: user.createdAt.toISOString(),
  };
}

function invalidCredentials(): AppError {
  // One answer for an unknown email, a wrong password and a disabled account,
  // so the response does not tell which emails are registered.
  return new AppError(401, 'invalid_credentials', 'Incorrect email or password.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  async register(input: RegisterRequest): Promise<UserView> {
    assertWellFormed(input.password, '/body/password');
    const { em, passwords } = this.deps;
    const user = em.create(UserSchema, {
      email: normalizeEmail(input.email),
      passwordHash: await passwords.hash(input.password),
      fullName: input.full_name ?? null,
      role: 'member',
      isActive: true,
    });
    try {
      await em.persistAndFlush(user);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new AppError(409, 'email_taken', 'An account with this email already exists.');
      }
      throw error;
    }
    return toUserView(user);
  }

  async login(email: string, password: string): Promise<TokenResponse> {
    const { em, passwords, accessTokens } = this.deps;
    const user = await em.findOne(UserSchema, { email: normalizeEmail(email) });
    // Always run bcrypt, even for an unknown email: equal work, equal time.
    const matches = await passwords.verify(password, user?.passwordHash);
    if (!user || !matches || !user.isActive) throw invalidCredentials();
    return { access_token: accessTokens.issue(user.id), token_type: 'bearer', expires_in: accessTokens.ttlSeconds };
  }

  /** The active user a verified token names, or undefined if it was deleted or disabled since. */
  async findActiveUser(userId: number): Promise<UserView | undefined> {
    const user = await this.deps.em.findOne(UserSchema, { id: userId, isActive: true });
    return user ? toUserView(user) : undefined;
  }
}

/** Lone UTF-16 surrogates cannot be encoded, so two different ones would hash alike. */
const LONE_SURROGATE = /\p{Cs}/u;

function assertWellFormed(value: string, path: string): void {
  if (LONE_SURROGATE.test(value)) {
    throw new AppError(422, 'validation_failed', 'The request has invalid fields.', {
      errors: [{ path, message: 'must be well-formed Unicode text' }],
    });
  }
}

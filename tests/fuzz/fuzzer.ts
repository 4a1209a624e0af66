import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { UserSchema } from '../../server/db/entities/user.entity.js';
import { issueLinkToken } from '../../server/mail/link-tokens.js';
import { sessionIdOf } from '../helpers/auth-flows.js';
import { asTokenPair, type TestServer } from '../helpers/server.js';
import { IDENTITY_NAMES, OUTSIDE_THE_SPEC, presentsLiveCredential, render, usesIdentities, type FuzzCase, type Identity, type IdentityName } from './cases.js';
import { operationCaseArb, outsideCaseArb } from './generators.js';
import { headerSectionBytes, WireClient } from './http.js';
import { judge } from './oracle.js';
import { SchemaValidator } from './schema-validator.js';
import type { ApiModel, Operation } from './spec.js';

/** The seed every fuzz run starts from unless FUZZ_SEED or --seed says otherwise, so a failure replays. */
export const DEFAULT_SEED = 20261126;

/**
 * The server environment for fuzzing. Every request comes from 127.0.0.1, so the per-address login throttle
 * (20 failures a minute) would soon answer every login with 429, and the mail requests' (30 an hour) every forgot,
 * resend and email change; the per-account limits stay as configured.
 */
export const FUZZ_SERVER_ENV = { LOGIN_IP_MAX_FAILURES: '100000', MAIL_ADDRESS_MAX_PER_HOUR: '100000' };

/** One row of the report: an operation of the spec, or the requests outside it. */
export interface Target {
  name: string;
  op: Operation | undefined;
  arbitrary: fc.Arbitrary<FuzzCase>;
}

export interface TargetReport {
  cases: number;
  statuses: Map<number, number>;
  kinds: Map<FuzzCase['kind'], number>;
  /** Cases whose response broke the contract. */
  failures: number;
  /** What the oracle found, by message, with how often. */
  findings: Map<string, number>;
  /** fast-check's report of the first failure, shrunk: seed, counterexample, what the oracle saw. */
  counterexample?: string;
}

export function targetsOf(api: ApiModel): Target[] {
  return [
    ...api.operations.map((op) => ({ name: op.operationId, op, arbitrary: operationCaseArb(op) })),
    { name: OUTSIDE_THE_SPEC, op: undefined, arbitrary: outsideCaseArb(api) },
  ];
}

/** A fixed seed per target, so adding an operation to the spec does not change the cases of the others. */
export function seedFor(base: number, name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193);
  return (base ^ hash) | 0;
}

/**
 * Sends generated cases to one running server and judges every response. Keeps two real accounts logged in
 * (a member and an admin) for the cases' tokens and real values, and makes fresh ones whenever a case may
 * have changed them (logged out, deleted, deactivated, refreshed, new password).
 */
export class Fuzzer {
  readonly reports = new Map<string, TargetReport>();
  /** Every password sent and every token issued, for the log check. */
  readonly secrets = new Set<string>();
  /**
   * Text the server may log: every path sent (the access log shows paths) and every email address sent (the mail
   * log names recipients). A generated password found inside one is no leak: it may be "toString" and a path too,
   * or "constructor" and part of an address (seen in a 10,000-case run).
   */
  readonly sentInClear = new Set<string>();
  private readonly client: WireClient;
  private readonly validator = new SchemaValidator();
  private readonly accounts = new Map<IdentityName, Identity>();
  private readonly stale = new Set<IdentityName>();
  private made = 0;

  constructor(
    private readonly server: TestServer,
    readonly api: ApiModel,
  ) {
    this.client = new WireClient(server.url);
  }

  close(): void {
    this.client.close();
  }

  /**
   * Runs `numRuns` cases. `assert` stops at the first broken contract and throws fast-check's report of the
   * shrunk case; `survey` runs them all, counts failures, then replays the seed to shrink the first one.
   */
  async run(target: Target, options: { numRuns: number; seed: number; mode: 'assert' | 'survey' }): Promise<TargetReport> {
    const report = this.reportFor(target.name);
    const property = (stopOnFailure: boolean) =>
      fc.asyncProperty(target.arbitrary, async (c) => {
        const { violations } = await this.exchange(target, c);
        if (violations.length === 0) return;
        report.failures += 1;
        for (const violation of violations) report.findings.set(violation, (report.findings.get(violation) ?? 0) + 1);
        if (stopOnFailure) throw new Error(violations.join('\n'));
      });
    const parameters = { numRuns: options.numRuns, seed: options.seed };
    if (options.mode === 'assert') {
      await fc.assert(property(true), parameters);
      return report;
    }
    const before = report.failures;
    await fc.assert(property(false), parameters);
    if (report.failures > before) {
      // The replay (and its shrinking) is not counted: the table shows the cases asked for.
      const counted = { cases: report.cases, failures: report.failures, statuses: new Map(report.statuses), kinds: new Map(report.kinds), findings: new Map(report.findings) };
      const details = await fc.check(property(true), parameters);
      Object.assign(report, counted);
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      report.counterexample = details.failed
        ? `${(fc.defaultReportMessage(details) ?? '').replace(/\n\nHint: .*$/s, '')}\nThe oracle found:\n  ${error.split('\n').join('\n  ')}`
        : `did not fail again on replay (seed ${options.seed}); the failure depended on server state`;
    }
    return report;
  }

  /** Sends one case; returns the status and what the oracle found wrong with the answer. */
  async exchange(target: Target, c: FuzzCase): Promise<{ status: number; violations: string[] }> {
    const identities = await this.identities(usesIdentities(c));
    const rendered = render(c, target.op, identities);
    for (const password of rendered.passwords) this.secrets.add(password);
    const path = rendered.path.split('?')[0] ?? '';
    this.sentInClear.add(path).add(safeDecode(path));
    for (const email of rendered.emails) this.sentInClear.add(email);
    const report = this.reportFor(target.name);
    report.cases += 1;
    report.kinds.set(c.kind, (report.kinds.get(c.kind) ?? 0) + 1);
    const wire = { method: rendered.method, path: rendered.path, headers: rendered.headers, body: rendered.body, trailingGarbage: rendered.garbage };
    let response;
    try {
      response = await this.client.send(wire);
    } catch (error) {
      report.statuses.set(0, (report.statuses.get(0) ?? 0) + 1);
      return { status: 0, violations: [`no response: ${error instanceof Error ? error.message : String(error)}`] };
    }
    report.statuses.set(response.status, (report.statuses.get(response.status) ?? 0) + 1);
    this.collectTokens(response.body);
    this.noteChanges(c, response.status);
    const headerBytes = headerSectionBytes(wire, `${this.client.host}:${this.client.port}`);
    return { status: response.status, violations: judge({ op: target.op, c, rendered, response, headerBytes }, this.api, this.validator) };
  }

  private reportFor(name: string): TargetReport {
    let report = this.reports.get(name);
    if (!report) {
      report = { cases: 0, statuses: new Map(), kinds: new Map(), failures: 0, findings: new Map() };
      this.reports.set(name, report);
    }
    return report;
  }

  /** Accounts a case may have changed are replaced before the next case uses them. */
  private noteChanges(c: FuzzCase, status: number): void {
    const changing = c.method !== 'GET' && c.method !== 'HEAD' && status >= 200 && status < 300;
    if (changing) for (const who of usesIdentities(c)) this.stale.add(who);
    // A refused live token or a lost admin role: something else (a random id hitting this account) changed it.
    if ((status === 401 || status === 403) && presentsLiveCredential(c.auth) && 'who' in c.auth) this.stale.add(c.auth.who);
  }

  private async identities(needed: IdentityName[]): Promise<Record<IdentityName, Identity>> {
    for (const who of IDENTITY_NAMES) {
      if (!this.accounts.has(who) || (this.stale.has(who) && needed.includes(who))) {
        this.accounts.set(who, await this.createAccount(who));
        this.stale.delete(who);
      }
    }
    const member = this.accounts.get('member');
    const admin = this.accounts.get('admin');
    if (!member || !admin) throw new Error('no accounts');
    return { member, admin };
  }

  /** A fresh account through the API; the admin's role is set with the server's own ORM, as `manage set-role` does. */
  private async createAccount(role: IdentityName): Promise<Identity> {
    this.made += 1;
    const email = `fuzz-${role}-${process.pid}-${this.made}@example.com`;
    const password = `Fz-${randomUUID()}`;
    const { client } = this.server;
    const registered = await client.POST('/api/v1/users/register', { body: { email, password } });
    if (!registered.data) throw new Error(`could not register ${email}: ${registered.response.status}`);
    const id = registered.data.id;
    if (role === 'admin') await this.server.running.orm.em.fork().nativeUpdate(UserSchema, { id }, { role: 'admin' });
    const login = await client.POST('/api/v1/users/login', { body: { email, password } });
    if (!login.data) throw new Error(`could not log in ${email}: ${login.response.status}`);
    const { access_token: accessToken, refresh_token: refreshToken } = asTokenPair(login.data);
    const { resetToken, verifyToken } = await mintLinkTokens(this.server, id, email);
    for (const secret of [password, accessToken, refreshToken, resetToken, verifyToken]) this.secrets.add(secret);
    return { email, password, id, accessToken, refreshToken, sessionId: sessionIdOf(accessToken), resetToken, verifyToken };
  }

  private collectTokens(body: string): void {
    if (!body.includes('_token')) return;
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null) return;
      for (const key of ['access_token', 'refresh_token']) {
        const value: unknown = Reflect.get(parsed, key);
        if (typeof value === 'string') this.secrets.add(value);
      }
    } catch {
      // not JSON: no tokens
    }
  }
}

/**
 * A reset and a verification token for an account, made with the server's own ORM as its mail would carry them
 * (the tests that read real mail are tests/account-mail.test.ts and tests/cli-mail.test.ts): without a live one,
 * resetPassword and verifyEmail could never be seen answering 2xx.
 */
export async function mintLinkTokens(server: TestServer, userId: number, email: string): Promise<{ resetToken: string; verifyToken: string }> {
  const em = server.running.orm.em.fork();
  const now = new Date();
  const common = { userId, email, ttlSeconds: 3600, now };
  const resetToken = await issueLinkToken(em, { ...common, purpose: 'password_reset' });
  const verifyToken = await issueLinkToken(em, { ...common, purpose: 'email_verify' });
  await em.flush();
  return { resetToken, verifyToken };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Which secrets appear in the log text. Byte arrays in the log (a Buffer serialised as `{"type":"Buffer","data":[…]}`)
 * are decoded first, so a secret cannot hide as numbers. Only secrets of 8 characters or more are looked for: shorter
 * ones (e.g. a 1-character login password) turn up in ordinary log text by chance.
 */
export function secretsInLogs(logs: string, secrets: Iterable<string>, sentInClear: Iterable<string> = []): { secret: string; where: string }[] {
  const loggable = [...sentInClear].join('\n');
  const buffers = [...logs.matchAll(/"data":\[([\d,]*)\]/g)].map((m) => Buffer.from((m[1] ?? '').split(',').filter(Boolean).map(Number)).toString('latin1'));
  const text = [logs, ...buffers].join('\n');
  const PREFIX = 8;
  const byPrefix = new Map<string, string[]>();
  for (const secret of secrets) {
    if (secret.length < PREFIX || loggable.includes(secret)) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      const prefix = form.slice(0, PREFIX);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), form]);
    }
  }
  const found = new Map<string, string>();
  for (let i = 0; i + PREFIX <= text.length; i += 1) {
    const candidates = byPrefix.get(text.slice(i, i + PREFIX));
    if (!candidates) continue;
    for (const secret of candidates) {
      if (found.has(secret) || !text.startsWith(secret, i)) continue;
      // The log line around it, the secret itself blanked out.
      const start = text.lastIndexOf('\n', i) + 1;
      const end = text.indexOf('\n', i);
      found.set(secret, text.slice(Math.max(start, i - 200), end < 0 ? undefined : Math.min(end, i + secret.length + 100)).replace(secret, '<secret>'));
    }
  }
  return [...found].map(([secret, where]) => ({ secret, where }));
}

/** `200×12 401×3`, statuses in order. */
export function formatStatuses(statuses: Map<number, number>): string {
  return [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
}

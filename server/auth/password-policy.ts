import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import type { components } from '../../generated/openapi.js';
import { validationFailed, weakPassword } from '../errors.js';
import { hasLoneSurrogate } from './passwords.js';

export type PasswordFeedback = components['schemas']['PasswordFeedback'];

/** Whose password it is: zxcvbn treats these as words an attacker would try first. */
export interface PasswordOwner {
  email: string;
  fullName?: string | null;
}

/**
 * zxcvbn reads at most this many characters. Its matching grows faster than linearly with length (a 1024-character
 * password took about 180 ms, 128 characters a few ms, measured on this machine), and a password that is still
 * guessable after 128 characters has no realistic attacker anyway.
 */
const MAX_SCORED_LENGTH = 128;

/**
 * The one password rule for every way a password is set: registration, a password change, an admin's createUser
 * and setUserPassword. Length and type are the contract's (the validator checks them); this scores the password
 * with zxcvbn-ts (common passwords, names, keyboard patterns, l33t, dates, repeats) against the owner's email and
 * name, and refuses a score under `minScore` (0–4, `PASSWORD_MIN_SCORE`).
 */
export class PasswordPolicy {
  constructor(private readonly minScore: number) {}

  assertAcceptable(password: string, owner: PasswordOwner, path: string): void {
    // Lone UTF-16 surrogates cannot be encoded, so two different ones would hash alike.
    if (hasLoneSurrogate(password)) throw validationFailed([{ path, message: 'must be well-formed Unicode text' }]);
    const result = scorer().check(password.normalize('NFKC'), userInputs(owner));
    if (result.score >= this.minScore) return;
    const feedback: PasswordFeedback = { warning: result.feedback.warning, suggestions: result.feedback.suggestions, score: result.score };
    throw weakPassword(path, `is too easy to guess (strength ${result.score} of 4, at least ${this.minScore} needed)`, feedback);
  }
}

let factory: ZxcvbnFactory | undefined;

/** Built on first use, once per process: loading the ~100,000-word dictionaries takes about 40 ms. */
function scorer(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: MAX_SCORED_LENGTH });
  return factory;
}

/** The email whole and its local part, and the name and each of its words. */
function userInputs({ email, fullName }: PasswordOwner): string[] {
  const address = email.trim().toLowerCase();
  const inputs = [address, address.split('@')[0] ?? ''];
  if (fullName) inputs.push(fullName, ...fullName.split(/\s+/));
  return inputs.filter((input) => input.length > 0);
}

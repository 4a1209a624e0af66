import { dictionary } from '@zxcvbn-ts/language-common';
import { validationFailed, weakPassword } from '../errors.js';
import { hasLoneSurrogate } from './passwords.js';

// zxcvbn-ts's list of the ~49,000 most common passwords (from leaked-password
// corpora), maintained as an npm package rather than copied here.
const COMMON_PASSWORDS = new Set(dictionary['passwords-common'].map((password) => password.toLowerCase()));

/**
 * Rules the spec cannot state: length and type are the contract's (checked by
 * the validator); these need the password list and the account's email.
 */
export function assertAcceptablePassword(password: string, email: string, path: string): void {
  // Lone UTF-16 surrogates cannot be encoded, so two different ones would hash alike.
  if (hasLoneSurrogate(password)) throw validationFailed([{ path, message: 'must be well-formed Unicode text' }]);
  const normalized = password.normalize('NFKC').trim().toLowerCase();
  const address = email.trim().toLowerCase();
  if (normalized === address || normalized === address.split('@')[0]) {
    throw weakPassword(path, 'must not be your email address');
  }
  if (COMMON_PASSWORDS.has(normalized)) throw weakPassword(path, 'is one of the most common passwords; choose another');
}

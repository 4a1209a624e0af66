import type { FieldError } from '../errors.js';

const ONE_OF = 'must match exactly one schema in oneOf';
const isShape = (error: FieldError) => error.message.startsWith('must have required property') || error.message === 'must NOT have additional properties';

/**
 * ajv reports a body that fails a `oneOf` against every branch: `{mfa_token, code: "12"}` gets the code's pattern
 * error, and also "must have required property 'recovery_code'" and "code: must NOT have additional properties"
 * from the recovery-code branch. Once a field's value is wrong, the body has chosen its branch by the fields it
 * carries, and the other branches' shape errors only mislead (a form would show them under the field). Those are
 * dropped, keeping the value errors and the required fields every branch asks for (reported once each).
 */
export function withoutOtherBranches(errors: FieldError[]): FieldError[] {
  if (!errors.some((error) => error.message === ONE_OF)) return errors;
  if (!errors.some((error) => !isShape(error) && error.message !== ONE_OF)) return errors;
  const seen = new Map<string, number>();
  for (const error of errors) seen.set(`${error.path} ${error.message}`, (seen.get(`${error.path} ${error.message}`) ?? 0) + 1);
  const kept = errors.filter((error) => {
    if (error.message === ONE_OF) return false;
    if (!isShape(error)) return true;
    // Asked by more than one branch: missing whichever branch the body meant.
    return error.message.startsWith('must have required property') && (seen.get(`${error.path} ${error.message}`) ?? 0) > 1;
  });
  return kept.filter((error, index) => kept.findIndex((other) => other.path === error.path && other.message === error.message) === index);
}

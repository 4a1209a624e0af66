import type { components } from '../client/index.js';
import { client, COOKIE_MODE, publicApi } from './api.js';
import { clearProblems, done, element, field, onClick, onSubmit, report, say, show } from './page.js';
import { ProofFields } from './proof-fields.js';

type Problem = components['schemas']['Problem'];

/** The login's first step answered `mfa_required`: its token waits here for the code (5 minutes, one use). */
let mfaToken: string | undefined;
const loginProof = new ProofFields('mfa-login');

const REVERIFY_HINT = 'Lost that mail? A password-reset link (“Forgot your password?” below) verifies your email too.';

function askSecondFactor(token: string): void {
  mfaToken = token;
  element('mfa-login', HTMLFormElement).reset();
  show('second-factor');
  loginProof.choose(false);
  say('Password accepted. One more step.');
}

/** Back to the first step; the token is forgotten. */
function backToSignIn(problem?: Problem): void {
  mfaToken = undefined;
  element('mfa-login', HTMLFormElement).reset();
  show('signed-out', element('sign-in-email', HTMLInputElement));
  if (problem) report(undefined, problem);
}

/** The signed-out screen and the login's second step: sign in, sign up, forgot password. */
export function setUpSignIn(render: () => Promise<void>): void {
  onSubmit('sign-in', async (form) => {
    const { error } = await client.login(field(form, 'email'), field(form, 'password'));
    if (error?.code === 'mfa_required' && error.mfa_token) {
      form.reset();
      clearProblems();
      return askSecondFactor(error.mfa_token);
    }
    // The resend operation needs a session, which this account cannot have yet; a reset link verifies too.
    if (error) return report(form, error, undefined, error.code === 'email_not_verified' ? REVERIFY_HINT : undefined);
    form.reset();
    clearProblems();
    await render();
    say('Signed in.');
  });

  onSubmit('mfa-login', async (form) => {
    if (mfaToken === undefined) return backToSignIn();
    const { data, error } = await publicApi.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, ...loginProof.proof(form) }, headers: COOKIE_MODE });
    // Expired or spent: only a new password step gives a new token.
    if (error?.code === 'invalid_mfa_token') return backToSignIn(error);
    if (error) return report(form, error);
    mfaToken = undefined;
    form.reset();
    await client.adopt(data);
    clearProblems();
    await render();
    say('Signed in.');
  });

  onClick('mfa-login-switch', () => loginProof.toggle());
  onClick('mfa-login-cancel', () => {
    clearProblems();
    say('');
    backToSignIn();
  });

  onSubmit('sign-up', async (form) => {
    const email = field(form, 'email');
    const password = field(form, 'password');
    const name = field(form, 'full_name').trim();
    const { error } = await publicApi.POST('/api/v1/users/register', { body: { email, password, full_name: name === '' ? null : name } });
    if (error) return report(form, error);
    const login = await client.login(email, password);
    if (login.error) return report(form, login.error, undefined, login.error.code === 'email_not_verified' ? 'Open the link in the mail we just sent, then sign in.' : undefined);
    form.reset();
    clearProblems();
    await render();
    say('Account created; you are signed in.');
  });

  onClick('forgot-open', () => {
    const forgotEmail = element('forgot-email', HTMLInputElement);
    forgotEmail.value = forgotEmail.value || element('sign-in-email', HTMLInputElement).value;
    forgotEmail.focus();
  });

  onSubmit('forgot', async (form) => {
    const { error } = await publicApi.POST('/api/v1/users/password/forgot', { body: { email: field(form, 'email').trim() } });
    if (error) return report(form, error);
    // The server answers alike whether or not the address has an account, and so does the page.
    done('If an account has this email, a link to choose a new password is on its way. It works once, for a limited time.');
  });
}

import { client, COOKIE_MODE, publicApi } from './api.js';
import { clearProblems, done, element, field, onClick, onSubmit, report, say, show, unrenewed } from './page.js';
import { ProofFields } from './proof-fields.js';

/** The token of the reset link being used, kept only in memory once it is off the address bar. */
let resetToken: string | undefined;
/** The account has an authenticator app (the server said `mfa_code_required`): its code goes with the password. */
let resetNeedsCode = false;
const resetProof = new ProofFields('reset');

/** Shows or hides the reset's code fields; hidden again for the next link, which may be another account's. */
function askResetCode(ask: boolean): void {
  resetNeedsCode = ask;
  element('reset-second-factor', HTMLElement).hidden = !ask;
  element('reset-switch', HTMLButtonElement).hidden = !ask;
  if (ask) resetProof.choose(false);
}

/**
 * Takes the token of a mailed link off the address (`/account#reset_token=…` or `#verify_token=…`, the default
 * PASSWORD_RESET_URL and EMAIL_VERIFY_URL): replaceState, so it is neither left in the history nor seen by whoever
 * looks at this screen. A fragment never reaches a server log or a Referer either, which is why the links use one.
 */
function takeLinkToken(): { kind: 'reset' | 'verify'; token: string } | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const reset = fragment.get('reset_token');
  const verify = fragment.get('verify_token');
  if (reset === null && verify === null) return undefined;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  return reset !== null ? { kind: 'reset', token: reset } : { kind: 'verify', token: verify ?? '' };
}

/**
 * Handles a mailed link in the address, if there is one: the reset screen for a reset link, the verification
 * (then the usual screen) for a verification or email-change link. False when the address holds no link.
 */
export async function openLink(render: () => Promise<void>): Promise<boolean> {
  const link = takeLinkToken();
  if (!link) return false;
  if (link.kind === 'reset') {
    resetToken = link.token;
    element('reset-password', HTMLFormElement).reset();
    askResetCode(false);
    clearProblems();
    say('');
    show('reset', element('reset-new-password', HTMLInputElement));
    return true;
  }
  const { data, error } = await publicApi.POST('/api/v1/users/email/verify', { body: { token: link.token } });
  // Whoever opened the link, this browser's own session (if any) is the screen to show next.
  if (client.loggedIn || (await client.resume())) await render();
  else show('signed-out');
  if (error) report(undefined, error, undefined, 'If your email is not verified yet, ask for a new link from your profile.');
  else done(`The email address ${data.email} is verified.`);
  return true;
}

/** The reset screen: a new password for the link's account, then signed in with it. */
export function setUpLinks(render: () => Promise<void>): void {
  // A link opened in a tab where the page is already loaded changes only the fragment: no new page load.
  window.addEventListener('hashchange', () => void openLink(render).catch(unrenewed));

  onSubmit('reset-password', async (form) => {
    if (resetToken === undefined) return show('signed-out');
    const { data, error } = await publicApi.POST('/api/v1/users/password/reset', {
      body: { token: resetToken, new_password: field(form, 'new_password'), ...(resetNeedsCode ? resetProof.proof(form) : {}) },
      headers: COOKIE_MODE,
    });
    // The link alone is not enough for this account, and nothing changed: the same form, now with a code field.
    if (error?.code === 'mfa_code_required') {
      report(undefined, error);
      // The alert is announced by its role; the focus goes where the code is to be typed.
      return askResetCode(true);
    }
    // A spent, expired or superseded link cannot be mended here: a new one must be asked for.
    if (error?.code === 'invalid_reset_token') {
      resetToken = undefined;
      form.reset();
      askResetCode(false);
      show('signed-out', element('forgot-email', HTMLInputElement));
      return report(undefined, error, undefined, 'Ask for a new link with “Forgot your password?”.');
    }
    if (error) return report(form, error);
    resetToken = undefined;
    form.reset();
    askResetCode(false);
    // The reset answers with a new session for this browser; every other one was ended.
    await client.adopt(data);
    clearProblems();
    await render();
    say('Password changed; you are signed in, and every other session was signed out.');
  });

  onClick('reset-switch', () => resetProof.toggle());

  // Back to whatever this browser had: the link may have been opened where someone is signed in.
  onClick('reset-cancel', async () => {
    resetToken = undefined;
    element('reset-password', HTMLFormElement).reset();
    askResetCode(false);
    clearProblems();
    if (client.loggedIn || (await client.resume())) await render();
    else show('signed-out');
  });
}

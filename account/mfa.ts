import type { components } from '../client/index.js';
import { client } from './api.js';
import { done, element, field, onClick, onSubmit, report, secondFactor } from './page.js';

type MfaStatus = components['schemas']['MfaStatus'];
type TotpEnrolment = components['schemas']['TotpEnrolment'];

const STATUS: Record<MfaStatus['totp'], string> = {
  none: 'Off: signing in needs only your password.',
  pending: 'Set-up was started but not finished: signing in still needs only your password. Start again to finish it.',
  enabled: 'On: signing in needs a code from your authenticator app (or a recovery code) after the password.',
};

const SETTING_UP = 'Setting up: add the account to your app, then type the code it shows to turn it on.';

export function renderMfa(status: MfaStatus): void {
  const enabled = status.totp === 'enabled';
  // While a set-up is on screen, its own form is the next step, not starting another.
  const settingUp = !enabled && !element('mfa-setup', HTMLElement).hidden;
  const left = enabled ? ` Recovery codes left: ${status.recovery_codes_remaining}.` : '';
  element('mfa-status', HTMLElement).textContent = settingUp ? SETTING_UP : `${STATUS[status.totp]}${left}`;
  element('mfa-enrol', HTMLFormElement).hidden = enabled || settingUp;
  element('mfa-manage', HTMLFormElement).hidden = !enabled;
  if (enabled) element('mfa-setup', HTMLElement).hidden = true;
}

/** The secret, as the app needs it: the QR code the server drew, the base32 secret in groups of four, the URI. */
function showSetup(enrolment: TotpEnrolment): void {
  element('mfa-secret', HTMLElement).textContent = enrolment.secret.replace(/(.{4})(?!$)/g, '$1 ');
  element('mfa-uri', HTMLInputElement).value = enrolment.otpauth_uri;
  element('mfa-qr', HTMLElement).replaceChildren(...qrCode(enrolment.qr_svg));
  element('mfa-setup', HTMLElement).hidden = false;
  element('mfa-enrol', HTMLFormElement).hidden = true;
  element('mfa-status', HTMLElement).textContent = SETTING_UP;
  element('mfa-confirm-code', HTMLInputElement).focus();
}

/**
 * The server's SVG, placed as SVG elements: an <img> of it would need `data:` or `blob:` in the page's img-src.
 * Only a parsed <svg> root with no script or foreign content is taken; anything else leaves the text forms alone.
 */
function qrCode(svg: string): Node[] {
  const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  if (parsed.localName !== 'svg' || parsed.querySelector('script, foreignObject, parsererror')) return [];
  const image = document.importNode(parsed, true);
  image.setAttribute('role', 'img');
  image.setAttribute('aria-label', 'QR code of the setup link, for your authenticator app to scan');
  return [image];
}

function showRecoveryCodes(codes: string[]): void {
  element('mfa-codes-list', HTMLOListElement).replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }),
  );
  const box = element('mfa-codes', HTMLElement);
  box.hidden = false;
  box.focus();
}

function hideRecoveryCodes(): void {
  element('mfa-codes', HTMLElement).hidden = true;
  element('mfa-codes-list', HTMLOListElement).replaceChildren();
}

/** The second-factor card: add an authenticator app, confirm it, new recovery codes, remove it. */
export function setUpMfa(render: () => Promise<void>): void {
  onSubmit('mfa-enrol', async (form) => {
    const { data, error } = await client.api.POST('/api/v1/users/me/mfa/totp', { body: { password: field(form, 'password') } });
    if (error) return report(form, error);
    form.reset();
    done('Add the account to your authenticator app, then type the code it shows.');
    showSetup(data);
  });

  onSubmit('mfa-confirm', async (form) => {
    const { data, error } = await client.api.POST('/api/v1/users/me/mfa/totp/confirm', { body: { code: field(form, 'code').trim() } });
    if (error) return report(form, error);
    form.reset();
    element('mfa-setup', HTMLElement).hidden = true;
    showRecoveryCodes(data.recovery_codes);
    done('Authenticator app on; every other session was signed out. Store your recovery codes now.');
    // Confirming ended the other sessions: the whole screen is read again.
    await render();
  });

  onSubmit('mfa-manage', async (form, action) => {
    const body = { password: field(form, 'password'), ...secondFactor(field(form, 'code')) };
    if (action === 'disable') {
      const { error } = await client.api.DELETE('/api/v1/users/me/mfa/totp', { body });
      if (error) return report(form, error);
      form.reset();
      hideRecoveryCodes();
      done('Authenticator app removed; every other session was signed out. Signing in needs only your password again.');
      return render();
    }
    const { data, error } = await client.api.POST('/api/v1/users/me/mfa/recovery-codes', { body });
    if (error) return report(form, error);
    form.reset();
    showRecoveryCodes(data.recovery_codes);
    done('New recovery codes; the earlier ones no longer work. Store these now.');
    await render();
  });

  onClick('mfa-codes-stored', hideRecoveryCodes);
}

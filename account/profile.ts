import type { components } from '../client/index.js';
import { client, COOKIE_MODE } from './api.js';
import { done, element, field, onClick, onSubmit, report } from './page.js';

type User = components['schemas']['User'];

export function renderProfile(user: User): void {
  element('profile-email', HTMLElement).textContent = user.email;
  element('profile-role', HTMLElement).textContent = user.role === 'admin' ? '(admin)' : '';
  element('profile-name', HTMLInputElement).value = user.full_name ?? '';
  element('profile-verified', HTMLElement).textContent = user.email_verified
    ? 'Your email address is verified.'
    : 'Your email address is not verified yet: open the link in the mail we sent.';
  element('resend-verification', HTMLButtonElement).hidden = user.email_verified;
}

/** The profile card (name, email and its verification) and the password card. */
export function setUpProfile(render: () => Promise<void>): void {
  onSubmit('profile', async (form) => {
    const name = field(form, 'full_name').trim();
    const { data, error } = await client.api.PATCH('/api/v1/users/me', { body: { full_name: name === '' ? null : name } });
    if (error) return report(form, error);
    renderProfile(data);
    done('Name saved.');
  });

  onClick('resend-verification', async () => {
    const { error } = await client.api.POST('/api/v1/users/me/email/verification');
    if (error) return report(undefined, error);
    done('A new verification link is on its way; links sent before it no longer work.');
  });

  onSubmit('email-change', async (form) => {
    const newEmail = field(form, 'new_email').trim();
    const { error } = await client.api.POST('/api/v1/users/me/email', { body: { new_email: newEmail, password: field(form, 'password') } });
    if (error) return report(form, error);
    form.reset();
    done(`A confirmation link is on its way to ${newEmail}. Your email changes when you open it.`);
  });

  onSubmit('password', async (form) => {
    const { data, error } = await client.api.POST('/api/v1/users/me/password', {
      body: { current_password: field(form, 'current_password'), new_password: field(form, 'new_password') },
      headers: COOKIE_MODE,
    });
    if (error) return report(form, error);
    // The answer is a fresh pair for this session (its refresh token in the cookie): keep it, no refresh needed.
    await client.adopt(data);
    form.reset();
    done('Password changed; every other session was signed out.');
    await render();
  });
}

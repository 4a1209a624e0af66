import { client } from './api.js';
import { renderMfa } from './mfa.js';
import { show, report } from './page.js';
import { renderProfile } from './profile.js';
import { renderSessions } from './sessions.js';

/** Reads the account, its sessions and its second factor, and shows the signed-in screen (or the sign-in one). */
export async function render(): Promise<void> {
  const [me, sessions, mfa] = await Promise.all([
    client.api.GET('/api/v1/users/me'),
    client.api.GET('/api/v1/users/me/sessions'),
    client.api.GET('/api/v1/users/me/mfa'),
  ]);
  // Signed out while the answers were on their way (or the session ended): they describe a screen no longer wanted.
  if (!client.loggedIn) return show('signed-out');
  if (!me.data || !sessions.data || !mfa.data) return report(undefined, me.error ?? sessions.error ?? mfa.error);
  renderProfile(me.data);
  renderSessions(sessions.data);
  renderMfa(mfa.data);
  show('signed-in');
}

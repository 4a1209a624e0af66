import type { components } from '../client/index.js';
import { client } from './api.js';
import { done, element, onClick, report, show } from './page.js';

type SessionList = components['schemas']['SessionList'];

function describeAgent(agent: string | null): string {
  if (!agent) return 'unknown device';
  return agent.length > 60 ? `${agent.slice(0, 57)}…` : agent;
}

export function renderSessions(sessions: SessionList): void {
  const list = element('sessions', HTMLUListElement);
  list.replaceChildren(
    ...sessions.items.map((session) => {
      const item = document.createElement('li');
      const text = document.createElement('span');
      const since = new Date(session.created_at).toLocaleString();
      text.textContent = `${session.current ? 'This browser' : describeAgent(session.user_agent)} · since ${since}${session.ip ? ` · ${session.ip}` : ''}`;
      item.append(text);
      if (!session.current) {
        const end = document.createElement('button');
        end.type = 'button';
        end.className = 'link';
        end.textContent = 'End';
        end.setAttribute('aria-label', `End the session since ${since}`);
        end.addEventListener('click', () => void endSession(session.id));
        item.append(end);
      }
      return item;
    }),
  );
  // One page (100) holds every session under the default MAX_SESSIONS_PER_USER; say so when a server allows more.
  const more = sessions.total - sessions.items.length;
  if (more > 0) {
    const item = document.createElement('li');
    item.textContent = `and ${more} older session${more === 1 ? '' : 's'}`;
    list.append(item);
  }
}

async function endSession(sessionId: string): Promise<void> {
  const { error } = await client.api.DELETE('/api/v1/users/me/sessions/{sessionId}', { params: { path: { sessionId } } });
  if (error) return report(undefined, error);
  const sessions = await client.api.GET('/api/v1/users/me/sessions');
  if (!sessions.data) return report(undefined, sessions.error);
  renderSessions(sessions.data);
  done('The session was ended.');
}

/** The sessions card's buttons: reload the screen, sign out here, sign out everywhere. */
export function setUpSessions(render: () => Promise<void>): void {
  onClick('reload', async () => {
    done('');
    await render();
  });

  onClick('sign-out', async () => {
    await client.logout('current');
    done('Signed out.');
    show('signed-out');
  });

  onClick('sign-out-everywhere', async () => {
    await client.logout('all');
    done('Signed out on every device.');
    show('signed-out');
  });
}

import { createAuthClient, RefreshFailedError, type components } from '../client/index.js';

type Problem = components['schemas']['Problem'];
type User = components['schemas']['User'];

/**
 * The account page: plain DOM on the shared client in cookie mode, so the refresh token stays in an HttpOnly cookie
 * and the access token only in this page's memory. Every message shown comes from the server's problem `detail` and
 * `errors[]`, so the page says exactly what the API says.
 */
const client = createAuthClient({ baseUrl: location.origin, mode: 'cookie', onSessionEnded: () => show('signed-out') });

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from the page`);
  return found;
}

const problemBox = element('problem', HTMLDivElement);
const statusBox = element('status', HTMLDivElement);

function show(view: 'signed-in' | 'signed-out'): void {
  element('signed-in', HTMLElement).hidden = view !== 'signed-in';
  element('signed-out', HTMLElement).hidden = view !== 'signed-out';
}

function say(message: string): void {
  statusBox.textContent = message;
}

/** Shows a problem: its detail at the top, and each field error under its field (by the `/body/<name>` pointer). */
function report(form: HTMLFormElement | undefined, problem: Problem | undefined, fallback = 'Something went wrong.'): void {
  clearProblems();
  problemBox.textContent = problem?.detail ?? fallback;
  problemBox.hidden = false;
  for (const { path, message } of problem?.errors ?? []) {
    const name = path.replace(/^\/body\//, '');
    const input = form?.querySelector<HTMLInputElement>(`input[name="${CSS.escape(name)}"]`);
    if (!input) continue;
    const note = document.createElement('p');
    note.className = 'field-error';
    note.id = `${input.id}-error`;
    note.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', note.id);
    input.after(note);
  }
  problemBox.focus();
}

/** A refresh that failed for a passing reason (no answer, a 5xx): the session is kept, so say so rather than sign out. */
function unrenewed(error: unknown): void {
  if (!(error instanceof RefreshFailedError)) throw error;
  report(undefined, undefined, 'The session could not be renewed just now (the server did not answer, or failed). Try again in a moment.');
}

function clearProblems(): void {
  problemBox.hidden = true;
  problemBox.textContent = '';
  for (const note of document.querySelectorAll('.field-error')) note.remove();
  for (const input of document.querySelectorAll('input[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  }
}

function field(form: HTMLFormElement, name: string): string {
  const input = form.elements.namedItem(name);
  return input instanceof HTMLInputElement ? input.value : '';
}

/** Runs a form's action with its button disabled, so a double click sends one request. */
function onSubmit(id: string, action: (form: HTMLFormElement) => Promise<void>): void {
  const form = element(id, HTMLFormElement);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    void action(form)
      .catch(unrenewed)
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

function onClick(id: string, action: () => Promise<void>): void {
  element(id, HTMLButtonElement).addEventListener('click', () => void action().catch(unrenewed));
}

function describeAgent(agent: string | null): string {
  if (!agent) return 'unknown device';
  return agent.length > 60 ? `${agent.slice(0, 57)}…` : agent;
}

async function render(): Promise<void> {
  const [me, sessions] = await Promise.all([client.api.GET('/api/v1/users/me'), client.api.GET('/api/v1/users/me/sessions')]);
  if (!me.data || !sessions.data) {
    if (!client.loggedIn) return show('signed-out');
    return report(undefined, me.error ?? sessions.error);
  }
  renderProfile(me.data);
  const list = element('sessions', HTMLUListElement);
  list.replaceChildren(
    ...sessions.data.items.map((session) => {
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
  const more = sessions.data.total - sessions.data.items.length;
  if (more > 0) {
    const item = document.createElement('li');
    item.textContent = `and ${more} older session${more === 1 ? '' : 's'}`;
    list.append(item);
  }
  show('signed-in');
}

function renderProfile(user: User): void {
  element('profile-email', HTMLElement).textContent = user.email;
  element('profile-role', HTMLElement).textContent = user.role === 'admin' ? '(admin)' : '';
  element('profile-name', HTMLInputElement).value = user.full_name ?? '';
}

async function endSession(sessionId: string): Promise<void> {
  const { error } = await client.api.DELETE('/api/v1/users/me/sessions/{sessionId}', { params: { path: { sessionId } } });
  if (error) return report(undefined, error);
  clearProblems();
  await render();
  say('The session was ended.');
}

onSubmit('sign-in', async (form) => {
  const { error } = await client.login(field(form, 'email'), field(form, 'password'));
  if (error) return report(form, error);
  clearProblems();
  form.reset();
  await render();
  say('Signed in.');
});

onSubmit('sign-up', async (form) => {
  const email = field(form, 'email');
  const password = field(form, 'password');
  const name = field(form, 'full_name').trim();
  const { error } = await client.api.POST('/api/v1/users/register', { body: { email, password, full_name: name === '' ? null : name } });
  if (error) return report(form, error);
  const login = await client.login(email, password);
  if (login.error) return report(form, login.error);
  clearProblems();
  form.reset();
  await render();
  say('Account created; you are signed in.');
});

onSubmit('profile', async (form) => {
  const name = field(form, 'full_name').trim();
  const { data, error } = await client.api.PATCH('/api/v1/users/me', { body: { full_name: name === '' ? null : name } });
  if (error) return report(form, error);
  clearProblems();
  renderProfile(data);
  say('Name saved.');
});

onSubmit('password', async (form) => {
  const { data, error } = await client.api.POST('/api/v1/users/me/password', {
    body: { current_password: field(form, 'current_password'), new_password: field(form, 'new_password') },
    headers: { 'X-Token-Transport': 'cookie' },
  });
  if (error) return report(form, error);
  // The answer is a fresh pair for this session (its refresh token in the cookie): keep it, no refresh needed.
  await client.adopt(data);
  clearProblems();
  form.reset();
  await render();
  say('Password changed; every other session was signed out.');
});

onClick('reload', async () => {
  clearProblems();
  await render();
});

onClick('sign-out', async () => {
  await client.logout('current');
  clearProblems();
  say('Signed out.');
  show('signed-out');
});

onClick('sign-out-everywhere', async () => {
  await client.logout('all');
  clearProblems();
  say('Signed out on every device.');
  show('signed-out');
});

problemBox.tabIndex = -1;
void client
  .resume()
  .then((resumed) => (resumed ? render() : show('signed-out')))
  .catch(unrenewed);

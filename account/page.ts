import { RefreshFailedError, type components } from '../client/index.js';

type Problem = components['schemas']['Problem'];

/** The page's screens; exactly one is shown at a time. */
export type View = 'signed-out' | 'second-factor' | 'reset' | 'signed-in';
const VIEWS: readonly View[] = ['signed-out', 'second-factor', 'reset', 'signed-in'];

export function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from the page`);
  return found;
}

const problemBox = element('problem', HTMLDivElement);
const statusBox = element('status', HTMLDivElement);
problemBox.tabIndex = -1;

/**
 * Shows one screen. Leaving the signed-in screen also wipes what is shown only once (a TOTP secret, recovery
 * codes), so the next person at this browser does not find them on the page.
 */
export function show(view: View, focus?: HTMLElement): void {
  for (const id of VIEWS) element(id, HTMLElement).hidden = id !== view;
  if (view !== 'signed-in') {
    for (const box of document.querySelectorAll<HTMLElement>('.shown-once')) {
      box.hidden = true;
      for (const filled of box.querySelectorAll('[data-filled]')) {
        if (filled instanceof HTMLInputElement) filled.value = '';
        else filled.replaceChildren();
      }
    }
  }
  focus?.focus();
}

export function say(message: string): void {
  statusBox.textContent = message;
}

/**
 * Shows a problem: its detail at the top (and a hint of the page's own, when the page knows the way on), and each
 * field error under its field, found by the `/body/<name>` pointer: the input of that name, or one that stands for
 * several fields (`data-fields="code recovery_code"`).
 */
export function report(form: HTMLFormElement | undefined, problem: Problem | undefined, fallback = 'Something went wrong.', hint?: string): void {
  clearProblems();
  problemBox.textContent = problem?.detail ?? fallback;
  if (hint) {
    const note = document.createElement('p');
    note.textContent = hint;
    problemBox.append(note);
  }
  problemBox.hidden = false;
  // One note per field: a body matched against several schemas (a code or a recovery code) has several complaints.
  const notes = new Map<HTMLInputElement, string[]>();
  for (const { path, message } of problem?.errors ?? []) {
    const name = CSS.escape(path.replace(/^\/body\//, ''));
    const input = form?.querySelector<HTMLInputElement>(`input[name="${name}"], input[data-fields~="${name}"]`);
    if (input) notes.set(input, [...(notes.get(input) ?? []), message]);
  }
  for (const [input, messages] of notes) {
    const note = document.createElement('p');
    note.className = 'field-error';
    note.id = `${input.id}-error`;
    note.textContent = [...new Set(messages)].join('; ');
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', note.id);
    input.after(note);
  }
  problemBox.focus();
}

export function clearProblems(): void {
  problemBox.hidden = true;
  problemBox.textContent = '';
  for (const note of document.querySelectorAll('.field-error')) note.remove();
  for (const input of document.querySelectorAll('input[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  }
}

/** A step done: the old problem goes, the news is said. */
export function done(message: string): void {
  clearProblems();
  say(message);
}

/** A refresh that failed for a passing reason (no answer, a 5xx): the session is kept, so say so rather than sign out. */
export function unrenewed(error: unknown): void {
  if (!(error instanceof RefreshFailedError)) throw error;
  report(undefined, undefined, 'The session could not be renewed just now (the server did not answer, or failed). Try again in a moment.');
}

export function field(form: HTMLFormElement, name: string): string {
  const input = form.elements.namedItem(name);
  return input instanceof HTMLInputElement ? input.value : '';
}

/**
 * Runs a form's action with its buttons disabled, so a double click sends one request. The action learns which
 * submit button was pressed (a form may offer two actions on the same fields).
 */
export function onSubmit(id: string, action: (form: HTMLFormElement, submitter: string) => Promise<void>): void {
  const form = element(id, HTMLFormElement);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll('button')];
    const submitter = event.submitter instanceof HTMLButtonElement ? event.submitter.value : '';
    for (const button of buttons) button.disabled = true;
    void action(form, submitter)
      .catch(unrenewed)
      .finally(() => {
        for (const button of buttons) button.disabled = false;
      });
  });
}

export function onClick(id: string, action: () => void | Promise<void>): void {
  element(id, HTMLButtonElement).addEventListener('click', () => void Promise.resolve(action()).catch(unrenewed));
}

/** A code field that takes either: six digits are an app's code, anything else a recovery code. */
export function secondFactor(value: string): { code: string } | { recovery_code: string } {
  const trimmed = value.trim();
  return /^\d{6}$/.test(trimmed) ? { code: trimmed } : { recovery_code: trimmed };
}

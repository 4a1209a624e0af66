import { element, field } from './page.js';

/**
 * A second factor on a form, two ways: the app's six digits, or a recovery code; one field shown at a time. The
 * form's elements share a prefix: `<prefix>-app` and `<prefix>-recovery` (the two fields' boxes, inputs
 * `<prefix>-code` and `<prefix>-recovery-code`) and the `<prefix>-switch` button between them.
 */
export class ProofFields {
  private recovery = false;

  constructor(private readonly prefix: string) {}

  choose(recovery: boolean): void {
    const { prefix } = this;
    this.recovery = recovery;
    element(`${prefix}-app`, HTMLElement).hidden = recovery;
    element(`${prefix}-recovery`, HTMLElement).hidden = !recovery;
    element(`${prefix}-switch`, HTMLButtonElement).textContent = recovery ? 'Use a code from the app instead' : 'Use a recovery code instead';
    element(recovery ? `${prefix}-recovery-code` : `${prefix}-code`, HTMLInputElement).focus();
  }

  toggle(): void {
    this.choose(!this.recovery);
  }

  /** The body's part: what the shown field holds. */
  proof(form: HTMLFormElement): { code: string } | { recovery_code: string } {
    return this.recovery ? { recovery_code: field(form, 'recovery_code').trim() } : { code: field(form, 'code').trim() };
  }
}

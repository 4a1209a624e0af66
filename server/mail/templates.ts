/** A mail as the outbox stores it: a subject and both parts, rendered when it is queued. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const PRODUCT = 'Auth API';

/** Paragraphs of plain text, or a link (`{ link, label }`), rendered twice: as text and as escaped HTML. */
type Block = string | { link: string; label: string };

function render(subject: string, blocks: Block[]): RenderedMail {
  const text = blocks.map((block) => (typeof block === 'string' ? block : `${block.label}:\n${block.link}`)).join('\n\n');
  const html = blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.label)}</a></p><p style="font-size:small">${escapeHtml(block.link)}</p>`,
    )
    .join('\n');
  return {
    subject,
    text: `${text}\n\n-- \n${PRODUCT}\n`,
    html: `<!doctype html>\n<html><body style="font-family:sans-serif">\n${html}\n<p style="color:#666">${PRODUCT}</p>\n</body></html>\n`,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function minutes(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`;
}

export function passwordResetMail(link: string, ttlSeconds: number): RenderedMail {
  return render('Reset your password', [
    'Someone (hopefully you) asked to reset the password of your account.',
    { link, label: 'Choose a new password' },
    `The link works once and for ${minutes(ttlSeconds)}. If you did not ask for it, ignore this mail: your password stays as it is.`,
  ]);
}

export function verifyEmailMail(link: string, ttlSeconds: number): RenderedMail {
  return render('Confirm your email address', [
    'Please confirm that this address belongs to your account.',
    { link, label: 'Confirm this address' },
    `The link works once and for ${minutes(ttlSeconds)}. If you did not create an account, ignore this mail.`,
  ]);
}

export function emailChangeMail(link: string, newEmail: string, ttlSeconds: number): RenderedMail {
  return render('Confirm your new email address', [
    `Your account asked to use ${newEmail} from now on. Your email changes only when you open this link.`,
    { link, label: 'Use this address' },
    `The link works once and for ${minutes(ttlSeconds)}. If you did not ask for this, ignore this mail.`,
  ]);
}

/** Security notices carry no link: nothing in them logs anyone in. */
export function passwordChangedNotice(): RenderedMail {
  return render('Your password was changed', [
    'The password of your account was just changed, and every other session was logged out.',
    'If this was not you, reset your password now and tell your administrator.',
  ]);
}

export function passwordResetNotice(): RenderedMail {
  return render('Your password was reset', [
    'The password of your account was just reset with a link sent to this address, and every session was logged out.',
    'If this was not you, reset your password again now and tell your administrator.',
  ]);
}

export function emailChangeRequestedNotice(newEmail: string): RenderedMail {
  return render('Your email address is about to change', [
    `Someone signed in to your account asked to change its email to ${newEmail}. A confirmation link was sent to that address; nothing changes until it is used.`,
    'If this was not you, change your password now: whoever asked knows it.',
  ]);
}

export function mfaEnabledNotice(): RenderedMail {
  return render('An authenticator app was added to your account', [
    'Logging in to your account now needs a code from an authenticator app, and every other session was logged out.',
    'If this was not you, reset your password now and tell your administrator: whoever did it can log in as you.',
  ]);
}

export function mfaDisabledNotice(): RenderedMail {
  return render('The authenticator app was removed from your account', [
    'Logging in to your account no longer needs a code from an authenticator app, and every other session was logged out.',
    'If this was not you, reset your password now, add your app again and tell your administrator.',
  ]);
}

export function mfaRemovedByAdminNotice(): RenderedMail {
  return render('An administrator removed the authenticator app from your account', [
    'At your request, an administrator removed the authenticator app and the recovery codes from your account, and every session was logged out. Logging in needs only your password until you add an app again.',
    'If you did not ask for this, reset your password now and tell your administrator.',
  ]);
}

export function recoveryCodesReplacedNotice(): RenderedMail {
  return render('New recovery codes for your account', [
    'New recovery codes were made for your account; the old ones no longer work.',
    'If this was not you, reset your password now and tell your administrator.',
  ]);
}

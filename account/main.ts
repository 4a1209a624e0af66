import { client } from './api.js';
import { openLink, setUpLinks } from './email-links.js';
import { setUpMfa } from './mfa.js';
import { show, unrenewed } from './page.js';
import { setUpProfile } from './profile.js';
import { render } from './render.js';
import { setUpSessions } from './sessions.js';
import { setUpSignIn } from './sign-in.js';

/**
 * The account page: plain DOM on the shared client in cookie mode (account/api.ts), one module per screen. Every
 * message shown comes from the server's problem `detail` and `errors[]`, so the page says exactly what the API says.
 */
setUpSignIn(render);
setUpLinks(render);
setUpProfile(render);
setUpMfa(render);
setUpSessions(render);

// A mailed link first (it may be opened in a browser that has no session), else the session the cookie holds.
void openLink(render)
  .then(async (opened) => {
    if (opened) return;
    if (await client.resume()) return render();
    show('signed-out');
  })
  .catch(unrenewed);

import UAParser from 'ua-parser-js';

/** Our own agent (`authcli/0.1.0 (Node.js 20.20.2)`), which ua-parser-js does not know. */
const EXTENSIONS = { browser: [[/^(authcli)\/([\w.]+)/i], [UAParser.BROWSER.NAME, UAParser.BROWSER.VERSION]] };
const LONGEST = 40;

/**
 * A user agent as a person names it: "Chrome 156 on Linux", "authcli 0.1.0",
 * "curl 8.5.0". Browsers give their major version only; an agent the parser
 * does not know is shown by its first product token, else cut to fit a column.
 */
export function describeUserAgent(userAgent: string): string {
  const { browser, os } = new UAParser(userAgent, EXTENSIONS).getResult();
  if (browser.name !== undefined) {
    const version = browser.name === 'authcli' ? browser.version : browser.major;
    return [browser.name, version, os.name === undefined ? undefined : `on ${os.name}`].filter(Boolean).join(' ');
  }
  const product = /^([^\s/]+)\/([^\s;()]+)/.exec(userAgent);
  if (product) return cut(`${product[1]} ${product[2]}`);
  return cut(userAgent);
}

function cut(text: string): string {
  return text.length <= LONGEST ? text : `${text.slice(0, LONGEST - 1)}…`;
}

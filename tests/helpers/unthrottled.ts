/**
 * Login-throttle limits that tests of other behaviour never reach: they log in
 * wrongly on purpose, many times, all from 127.0.0.1.
 */
export const UNTHROTTLED: Record<string, string> = {
  LOGIN_ACCOUNT_MAX_FAILURES: '1000',
  LOGIN_IP_MAX_FAILURES: '100000',
};

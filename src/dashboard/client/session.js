/**
 * @module The signed-in token: kept in sessionStorage (this tab only, gone when it closes), never in a URL
 * or a cookie, and sent only as `Authorization: Bearer` on this origin's API requests.
 */
const KEY = 'baton.token';

export function currentToken() {
  try {
    return window.sessionStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}

export function signIn(token) {
  window.sessionStorage.setItem(KEY, token);
}

export function signOut() {
  window.sessionStorage.removeItem(KEY);
}

/** Headers for an API request: the bearer token when signed in. */
export function authHeaders(token = currentToken()) {
  return token ? { authorization: `Bearer ${token}` } : {};
}

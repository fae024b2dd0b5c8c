/**
 * @module Sign-in: a token typed into a password field, checked against /api/info, kept in sessionStorage
 * (never a URL or a cookie). Signed in, it shows who and a sign-out button.
 */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';
import { signIn, signOut } from '../session.js';

export function SignInForm({ prompt }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState('');
  const submit = async (event) => {
    event.preventDefault();
    setProblem('');
    try {
      const info = await getJSON('/api/info', token.trim());
      if (!info.caller) {
        setProblem('That token is not known to this dashboard.');
        return;
      }
      signIn(token.trim());
      // Start over with the token: the live stream and every view reconnect with it.
      window.location.reload();
    } catch (error) {
      setProblem(error.message);
    }
  };
  return html`<form class="sign-in" onSubmit=${submit} data-testid="sign-in">
    ${prompt && html`<p>${prompt}</p>`}
    <label>Token
      <input type="password" name="token" autocomplete="off" required value=${token} onInput=${(e) => setToken(e.currentTarget.value)} />
    </label>
    <button type="submit">Sign in</button>
    ${problem && html`<span class="sign-in-problem" role="alert">${problem}</span>`}
  </form>`;
}

export function SessionBadge({ info }) {
  const [open, setOpen] = useState(false);
  if (!info) return null;
  if (info.caller) {
    const out = () => {
      signOut();
      window.location.reload();
    };
    return html`<div class="session">
      <span class="who" data-testid="who">${info.caller.name} (${info.caller.role})</span>
      <button type="button" class="secondary" onClick=${out}>Sign out</button>
    </div>`;
  }
  if (!info.writeActions && !info.readsNeedToken) return null;
  return html`<div class="session">
    <button type="button" class="secondary" onClick=${() => setOpen(!open)} aria-expanded=${open}>Sign in</button>
    ${open && html`<${SignInForm} />`}
  </div>`;
}

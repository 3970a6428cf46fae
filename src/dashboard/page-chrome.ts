/**
 * @module
 * What both pages share around their figures: the light/dark theme (the system's by default, a toggle
 * kept in localStorage) and the API token form, shown when the API answers 401.
 */
import { setToken } from './api.js';
import { byId } from './dom.js';

const THEME_KEY = 'callpulse.theme';

function effectiveTheme(): 'light' | 'dark' {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Applies the saved theme and wires the toggle button (if the page has one); `onChange` redraws charts. */
export function setUpTheme(onChange: () => void = () => {}): void {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
  const button = document.getElementById('theme-toggle');
  const label = (): void => {
    if (!button) return;
    const dark = effectiveTheme() === 'dark';
    button.textContent = dark ? 'Light theme' : 'Dark theme';
    button.setAttribute('aria-pressed', String(dark));
  };
  label();
  button?.addEventListener('click', () => {
    const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
    label();
    onChange();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    label();
    onChange();
  });
}

/** Shows the token form; on submit keeps the token for the session, hides the form and calls `onToken`. */
export function askForToken(onToken: () => void): void {
  const panel = byId('token-panel');
  const form = byId<HTMLFormElement>('token-form');
  const input = byId<HTMLInputElement>('token-input');
  panel.hidden = false;
  input.focus();
  form.onsubmit = (event) => {
    event.preventDefault();
    if (input.value.trim() === '') return;
    setToken(input.value.trim());
    input.value = '';
    panel.hidden = true;
    onToken();
  };
}

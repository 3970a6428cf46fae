/**
 * @module
 * The full record of one call in a modal dialog: the stored fields, every raw field exactly as received
 * (as text), and each delivery. Opened from the worst-quality table and the recent calls feed; Escape or
 * the close button closes it and focus returns where it was.
 */
import { getJson } from './api.js';
import { byId, el, replaceChildren } from './dom.js';
import { formatDuration, formatMos, formatTime } from './format.js';

interface CallRecord {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  timestamp: string;
  timestampText: string;
  status: string;
  durationSeconds: number | null;
  mos: number | null;
  source: string;
  receivedAt: string;
  raw: Record<string, unknown>;
  deliveries: Array<{ receivedAt: string; outcome: string; source: string }>;
}

function rows(pairs: Array<[string, string]>): HTMLTableSectionElement {
  return el('tbody', {}, ...pairs.map(([name, value]) => el('tr', {}, el('th', { attrs: { scope: 'row' }, text: name }), el('td', { text: value }))));
}

/** A button that opens the record of `callSid` (its text is the CallSid, shown literally). */
export function callButton(callSid: string, timeZone: () => string, text = callSid): HTMLButtonElement {
  const button = el('button', { attrs: { type: 'button', 'aria-haspopup': 'dialog' }, class: 'link', text });
  button.addEventListener('click', () => void openCallRecord(callSid, timeZone()));
  return button;
}

/** Loads and shows a call's full record. */
export async function openCallRecord(callSid: string, timeZone: string): Promise<void> {
  const dialog = byId<HTMLDialogElement>('call-dialog');
  const content = byId('call-dialog-content');
  replaceChildren(content, el('p', { text: 'Loading…' }));
  if (!dialog.open) dialog.showModal();
  try {
    const call = await getJson<CallRecord>(`/api/v1/calls/${encodeURIComponent(callSid)}`);
    const stored: Array<[string, string]> = [
      ['CallSid', call.callSid], ['Project (AccountSid)', call.accountSid], ['From', call.from], ['To', call.to],
      ['Created', `${formatTime(call.timestamp, timeZone)} (${timeZone})`], ['Timestamp as sent', call.timestampText],
      ['Status', call.status], ['Duration', formatDuration(call.durationSeconds)], ['MOS', formatMos(call.mos)],
      ['Source', call.source], ['Received', formatTime(call.receivedAt, timeZone)],
    ];
    const raw = Object.entries(call.raw).map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
    replaceChildren(content,
      el('table', { class: 'record' }, el('caption', { text: 'Stored fields' }), rows(stored)),
      el('table', { class: 'record raw' }, el('caption', { text: 'Raw fields, as received' }), rows(raw)),
      el('table', { class: 'record' }, el('caption', { text: 'Deliveries' }),
        el('thead', {}, el('tr', {}, el('th', { attrs: { scope: 'col' }, text: 'Received' }), el('th', { attrs: { scope: 'col' }, text: 'Outcome' }), el('th', { attrs: { scope: 'col' }, text: 'Source' }))),
        el('tbody', {}, ...call.deliveries.map((d) => el('tr', {}, el('td', { text: formatTime(d.receivedAt, timeZone) }), el('td', { text: d.outcome }), el('td', { text: d.source }))))),
    );
  } catch (error) {
    replaceChildren(content, el('p', { class: 'error', text: `Could not load the call: ${(error as Error).message}` }));
  }
}

/** Wires the dialog's close button (Escape closes it natively). */
export function setUpCallDialog(): void {
  const dialog = byId<HTMLDialogElement>('call-dialog');
  byId('call-dialog-close').addEventListener('click', () => dialog.close());
}

/**
 * @module
 * The incoming call status callback: its raw wire shape (from the spec), its normalised form,
 * and the one parser that turns the first into the second or lists every problem. Never throws on bad input.
 */
import { isE164 } from './e164.js';
import { parseCallTimestamp } from './timestamp.js';
import type { FieldProblem } from './errors.js';

/** The statuses an inbound call can end with. SignalWire sends `completed` or `failed`; Twilio-compatible platforms also `busy`, `no-answer`, `canceled`. */
export const CALL_STATUSES = ['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const;

/** One of {@link CALL_STATUSES}. Only `completed` counts as a successful call. */
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The eight fields the specification requires, in its order. */
export const REQUIRED_FIELDS = [
  'CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos',
] as const;

/**
 * The incoming call status callback as it travels on the wire (SignalWire's Compatibility API reference):
 * the eight fields, every one a string, as form fields, JSON or query parameters. Extra fields that
 * SignalWire or a Twilio-compatible platform adds are kept, as sent.
 */
export interface IncomingCallStatusCallback {
  /** A unique identifier for the call. May be used to later retrieve this call from the REST API. */
  CallSid: string;
  /** The unique ID of the project this call is associated with. */
  AccountSid: string;
  /** The From number in E.164 format (in practice also `anonymous` or a SIP URI). */
  From: string;
  /** The To number in E.164 format. */
  To: string;
  /** The call's creation date and time: RFC 2822 (`Thu, 04 Apr 2024 18:32:15 +0000`) or ISO 8601. */
  Timestamp: string;
  /** `completed` or `failed` (also `busy`, `no-answer`, `canceled` from Twilio-compatible platforms). */
  CallStatus: string;
  /** The duration of the call in whole seconds; may be empty on a call that did not complete. */
  CallDuration: string;
  /** A mean opinion score on a scale of 1–5 for the call's audio quality; empty or `0` for no score. */
  AudioInMos: string;
  /** Any other field, as sent: a string, an array of strings for a form field sent twice, any JSON value in JSON. */
  [extraField: string]: unknown;
}

/** Fields as they come out of a body or query string, not yet validated: a repeated name gives an array. */
export type CallbackFields = Record<string, unknown>;

/** The callback normalised: real types, UTC instant, `null` for "no value". */
export interface CallStatusEvent {
  /** The call's `CallSid`. */
  callSid: string;
  /** The project's `AccountSid`. */
  accountSid: string;
  /** The caller (`From`), exactly as sent. */
  from: string;
  /** The called number (`To`), exactly as sent. */
  to: string;
  /** True when `from` is an E.164 number; anonymous callers and SIP URIs are kept as they are. */
  fromIsE164: boolean;
  /** True when `to` is an E.164 number. */
  toIsE164: boolean;
  /** The call's creation time (the callback's `Timestamp`), as a UTC instant. */
  timestamp: Date;
  /** The `Timestamp` text exactly as received. */
  timestampText: string;
  /** The final status, trimmed and lowercased; only `completed` is a successful call. */
  status: CallStatus;
  /** Whole seconds; `null` when a non-completed call came with an empty `CallDuration`. */
  durationSeconds: number | null;
  /** Mean opinion score in [1, 5]; `null` when the callback had no score (empty or `0`). */
  mos: number | null;
  /** Every field that is not one of the eight, as received. */
  extra: Record<string, unknown>;
}

/** The parser's answer: the event, or every problem found, each naming its field (never both). */
export type ParseResult = { ok: true; event: CallStatusEvent } | { ok: false; problems: FieldProblem[] };

const REQUIRED = new Set<string>(REQUIRED_FIELDS);
const WHOLE_NUMBER = /^\d+$/;
/** The longest duration accepted: anything above is a sender's bug, not a call. */
const MAX_DURATION_SECONDS = 2_147_483_647;
const DECIMAL = /^\d+(?:\.\d+)?$/;

function isCallStatus(value: string): value is CallStatus {
  return (CALL_STATUSES as readonly string[]).includes(value);
}

/** Reads the required fields as strings, noting missing, repeated and non-string ones. */
function readStrings(fields: CallbackFields, problems: FieldProblem[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of REQUIRED_FIELDS) {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (value === undefined || value === null) problems.push({ field: name, message: 'is required' });
    else if (Array.isArray(value)) problems.push({ field: name, message: 'is given more than once' });
    else if (typeof value !== 'string') problems.push({ field: name, message: `must be a string, got ${typeof value}` });
    else values[name] = value;
  }
  return values;
}

function parseStatus(text: string | undefined, problems: FieldProblem[]): CallStatus | undefined {
  if (text === undefined) return undefined;
  const status = text.trim().toLowerCase();
  if (isCallStatus(status)) return status;
  problems.push({ field: 'CallStatus', message: `must be one of ${CALL_STATUSES.join(', ')}; got "${text.slice(0, 40)}"` });
  return undefined;
}

function parseDuration(text: string | undefined, status: CallStatus | undefined, problems: FieldProblem[]): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '' && status !== 'completed') return null;
  if (WHOLE_NUMBER.test(trimmed) && Number(trimmed) <= MAX_DURATION_SECONDS) return Number(trimmed);
  const why = trimmed === '' ? 'must not be empty on a completed call' : 'must be a whole number of seconds >= 0';
  problems.push({ field: 'CallDuration', message: why });
  return null;
}

function parseMos(text: string | undefined, problems: FieldProblem[]): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (DECIMAL.test(trimmed)) {
    const score = Number(trimmed);
    if (score === 0) return null;
    if (score >= 1 && score <= 5) return score;
  }
  problems.push({ field: 'AudioInMos', message: 'must be a decimal from 1 to 5, or empty or 0 for no score' });
  return null;
}

function requireNonBlank(name: string, text: string | undefined, problems: FieldProblem[]): void {
  if (text !== undefined && text.trim() === '') problems.push({ field: name, message: 'must not be empty' });
}

/**
 * Validates and normalises one callback's fields (from a form body, a JSON body or a query string: an object
 * of field name to value, such as {@link IncomingCallStatusCallback}; anything else is one problem, `(body)`).
 * All eight fields are required strings; `CallStatus` is one of {@link CALL_STATUSES}; `CallDuration` is a
 * whole number (empty allowed unless completed); `AudioInMos` is in [1, 5], or empty/`0` for no score;
 * `Timestamp` is RFC 2822 or ISO 8601. Non-E.164 `From`/`To` are flagged, extra fields kept. Never throws.
 */
export function parseIncomingCallStatus(input: unknown): ParseResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [{ field: '(body)', message: 'must be an object of callback fields' }] };
  }
  const fields = input as CallbackFields;
  const problems: FieldProblem[] = [];
  const values = readStrings(fields, problems);
  requireNonBlank('CallSid', values.CallSid, problems);
  requireNonBlank('AccountSid', values.AccountSid, problems);
  const status = parseStatus(values.CallStatus, problems);
  const durationSeconds = parseDuration(values.CallDuration, status, problems);
  const mos = parseMos(values.AudioInMos, problems);
  let timestamp: Date | null = null;
  if (values.Timestamp !== undefined) {
    timestamp = parseCallTimestamp(values.Timestamp);
    if (timestamp === null) {
      problems.push({ field: 'Timestamp', message: 'must be an RFC 2822 or ISO 8601 date and time' });
    }
  }
  if (problems.length > 0 || status === undefined || timestamp === null) return { ok: false, problems };

  const extra = Object.fromEntries(Object.entries(fields).filter(([name]) => !REQUIRED.has(name)));
  const from = values.From!;
  const to = values.To!;
  return {
    ok: true,
    event: {
      callSid: values.CallSid!,
      accountSid: values.AccountSid!,
      from,
      to,
      fromIsE164: isE164(from),
      toIsE164: isE164(to),
      timestamp,
      timestampText: values.Timestamp!,
      status,
      durationSeconds,
      mos,
      extra,
    },
  };
}

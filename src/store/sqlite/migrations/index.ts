/**
 * @module
 * SQLite schema migrations, in order. Each runs once, in its own transaction, recorded in schema_migrations.
 * Never edit a released migration: add the next one.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'calls, deliveries and quarantine',
    sql: `
      CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        call_sid TEXT NOT NULL UNIQUE,
        account_sid TEXT NOT NULL,
        from_number TEXT NOT NULL,
        to_number TEXT NOT NULL,
        from_e164 INTEGER NOT NULL,
        to_e164 INTEGER NOT NULL,
        created_at INTEGER NOT NULL,        -- the callback's Timestamp, epoch milliseconds UTC
        timestamp_text TEXT NOT NULL,       -- the Timestamp exactly as received
        status TEXT NOT NULL,
        duration_seconds INTEGER,
        mos REAL,
        source TEXT NOT NULL,
        received_at INTEGER NOT NULL,       -- when the first delivery arrived
        method TEXT,                        -- how the first delivery came: POST or GET
        content_type TEXT,
        raw TEXT NOT NULL,                  -- every field as received, JSON
        from_country TEXT,                  -- the caller's ISO 3166-1 region, when known
        repeated INTEGER NOT NULL DEFAULT 0 -- 1 once the same From called the same To again within 24 h
      );
      CREATE INDEX calls_created_at ON calls (created_at);
      -- Finds a caller's other calls to the same number around a call (repeat callers; E.164 callers only).
      CREATE INDEX calls_caller ON calls (from_number, to_number, created_at) WHERE from_e164 = 1;
      -- Repeat deliveries of a stored CallSid (the first delivery is the calls row itself), with their fields,
      -- so a resend that differs from the stored call can be inspected.
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        call_sid TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        method TEXT,
        content_type TEXT,
        raw TEXT NOT NULL
      );
      CREATE INDEX deliveries_call_sid ON deliveries (call_sid);
      CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        received_at INTEGER NOT NULL,
        method TEXT NOT NULL,
        content_type TEXT,
        url TEXT NOT NULL,
        problems TEXT NOT NULL,             -- JSON [{field, message}]
        raw TEXT NOT NULL,
        replayed_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'rollups',
    sql: `
      -- Per-bucket rollups of the calls, updated in the same transaction as each insert.
      -- level: quarter (15 min) | day | month, UTC-aligned;
      -- dim: '*' (all calls), 'a:<AccountSid>', 'a:<AccountSid>|n:<To>' (metrics/rollups.ts).
      -- Keyed by dimension first, so a dimension's buckets over a range are one contiguous read; the index
      -- reads one bucket's dimensions (the breakdown by number).
      CREATE TABLE rollups (
        level TEXT NOT NULL,
        dim TEXT NOT NULL,
        bucket INTEGER NOT NULL,            -- the bucket's UTC start, epoch ms
        calls INTEGER NOT NULL,
        completed INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        busy INTEGER NOT NULL,
        no_answer INTEGER NOT NULL,
        canceled INTEGER NOT NULL,
        mos_count INTEGER NOT NULL,
        mos_sum REAL NOT NULL,
        mos_hist TEXT NOT NULL,             -- exact histogram of MOS in hundredths (metrics/histogram.ts)
        duration_hist TEXT NOT NULL,        -- exact histogram of completed calls' durations in seconds
        repeated INTEGER NOT NULL,          -- calls followed by a repeat call within 24 h
        PRIMARY KEY (level, dim, bucket)
      ) WITHOUT ROWID;
      CREATE INDEX rollups_by_bucket ON rollups (level, bucket, dim);
      -- The same dimensions split by status ('s:completed', 'a:..|s:failed'...) and caller country
      -- ('c:US', 'a:..|n:..|c:GB'...), per day and month only; read one bucket's groups at a time.
      CREATE TABLE rollup_splits (
        level TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        dim TEXT NOT NULL,
        calls INTEGER NOT NULL,
        completed INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        busy INTEGER NOT NULL,
        no_answer INTEGER NOT NULL,
        canceled INTEGER NOT NULL,
        mos_count INTEGER NOT NULL,
        mos_sum REAL NOT NULL,
        mos_hist TEXT NOT NULL,
        duration_hist TEXT NOT NULL,
        repeated INTEGER NOT NULL,
        PRIMARY KEY (level, bucket, dim)
      ) WITHOUT ROWID;
      -- Which projects each called number has had calls in: a filter on a number sums its per-project rollups.
      CREATE TABLE numbers (
        number TEXT NOT NULL,
        account_sid TEXT NOT NULL,
        PRIMARY KEY (number, account_sid)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'alert states and notifications',
    sql: `
      -- The state of each alert: a rule over all calls (subject '') or over one called number (alerts/evaluator.ts).
      CREATE TABLE alert_states (
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        firing INTEGER NOT NULL,            -- 1 while the rule's condition holds
        since INTEGER NOT NULL,             -- when the current state began, epoch ms
        evaluated_at INTEGER NOT NULL,
        value REAL,                         -- the rule's figure at the last evaluation (NULL: not enough calls)
        calls INTEGER NOT NULL,
        message TEXT NOT NULL,
        notified TEXT,                      -- the last state notified: 'firing' | 'resolved' | NULL
        last_firing_notice_at INTEGER,      -- when the last firing notification was queued (cooldown)
        PRIMARY KEY (rule, subject)
      ) WITHOUT ROWID;
      -- Notifications queued with the evaluation that decided them, delivered (with retries) by alerts/notify.ts.
      CREATE TABLE alert_notifications (
        id INTEGER PRIMARY KEY,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        target TEXT NOT NULL,               -- the target's name; its URL stays in the configuration
        event TEXT NOT NULL,                -- 'firing' | 'resolved'
        payload TEXT NOT NULL,              -- the alert, JSON
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        sent_at INTEGER,
        failed_at INTEGER,                  -- given up
        last_error TEXT
      );
      CREATE INDEX alert_notifications_pending ON alert_notifications (id) WHERE sent_at IS NULL AND failed_at IS NULL;
      -- Retention deletes quarantine entries by arrival.
      CREATE INDEX quarantine_received_at ON quarantine (received_at);
    `,
  },
  {
    version: 4,
    name: 'rollups counted behind the inserts, with an hour level',
    sql: `
      -- Rollups are counted from the calls shortly after they are committed, in their own transactions
      -- (store/sqlite/sqlite-rollup-catch-up.ts); readers add what is not counted yet. Every call with
      -- id <= counted_through is in the rollups.
      CREATE TABLE rollup_progress (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        counted_through INTEGER NOT NULL
      );
      -- Calls already counted in the rollups that a later call has since made repeated ones: the next
      -- catch-up adds their repeat to the rollups.
      CREATE TABLE rollup_pending_marks (call_id INTEGER PRIMARY KEY);
      -- The rollups gain an hour level and keep MOS sums in whole millionths (domain/mos.ts): they are
      -- counted again from the calls, which the store does when it opens.
      DELETE FROM rollups;
      DELETE FROM rollup_splits;
      INSERT INTO rollup_progress (singleton, counted_through) VALUES (1, 0);
    `,
  },
];

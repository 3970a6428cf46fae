/**
 * @module
 * PostgreSQL schema migrations, in order. All pending ones run in one transaction under an advisory
 * lock (postgres-migrate.ts), recorded in schema_migrations. Never edit a released migration: add the next.
 * The tables mirror the SQLite ones (same names, epoch-millisecond times). Up to migration 4 the rollup
 * histograms were rows here (keyed by their rollup row's id), merged by every writer with atomic
 * `count = count + n` upserts; since migration 5 they are encoded text in the rollup row, as on SQLite,
 * written by the catch-up alone.
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
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        call_sid TEXT NOT NULL UNIQUE,       -- the unique constraint makes a CallSid stored once across instances
        account_sid TEXT NOT NULL,
        from_number TEXT NOT NULL,
        to_number TEXT NOT NULL,
        from_e164 BOOLEAN NOT NULL,
        to_e164 BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL,          -- the callback's Timestamp, epoch milliseconds UTC
        timestamp_text TEXT NOT NULL,        -- the Timestamp exactly as received
        status TEXT NOT NULL,
        duration_seconds BIGINT,
        mos DOUBLE PRECISION,
        source TEXT NOT NULL,
        received_at BIGINT NOT NULL,         -- when the first delivery arrived
        method TEXT,
        content_type TEXT,
        raw TEXT NOT NULL,                   -- every field as received, JSON text
        from_country TEXT,                   -- the caller's ISO 3166-1 region, when known
        repeated BOOLEAN NOT NULL DEFAULT false -- true once the same From called the same To again within 24 h
      );
      CREATE INDEX calls_created_at ON calls (created_at, id);
      -- Finds a caller's other calls to the same number around a call (repeat callers; E.164 callers only).
      CREATE INDEX calls_caller ON calls (from_number, to_number, created_at) WHERE from_e164;
      -- Repeat deliveries of a stored CallSid (the first delivery is the calls row itself), with their fields.
      CREATE TABLE deliveries (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        call_sid TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        source TEXT NOT NULL,
        method TEXT,
        content_type TEXT,
        raw TEXT NOT NULL
      );
      CREATE INDEX deliveries_call_sid ON deliveries (call_sid);
      CREATE TABLE quarantine (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at BIGINT NOT NULL,
        method TEXT NOT NULL,
        content_type TEXT,
        url TEXT NOT NULL,
        problems TEXT NOT NULL,              -- JSON [{field, message}]
        raw TEXT NOT NULL,
        replayed_at BIGINT
      );
      CREATE INDEX quarantine_received_at ON quarantine (received_at); -- copying checks for entries already here
    `,
  },
  {
    version: 2,
    name: 'rollups',
    sql: `
      -- Per-bucket rollups of the calls, updated in the same transaction as each insert, with upserts that
      -- add to the stored counts (atomic under concurrent writers).
      -- level: quarter (15 min) | day | month, UTC-aligned;
      -- dim: '*' (all calls), 'a:<AccountSid>', 'a:<AccountSid>|n:<To>', and at the day and month levels
      -- these split by status ('s:completed', 'a:..|s:failed'...) and caller country ('c:US'...) (metrics/rollups.ts):
      -- both families in one table, told apart by their names.
      CREATE TABLE rollups (
        level TEXT NOT NULL,
        bucket BIGINT NOT NULL,              -- the bucket's UTC start, epoch ms
        dim TEXT NOT NULL,
        id BIGINT GENERATED ALWAYS AS IDENTITY, -- a short key for the row's histogram values
        calls BIGINT NOT NULL,
        completed BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        busy BIGINT NOT NULL,
        no_answer BIGINT NOT NULL,
        canceled BIGINT NOT NULL,
        mos_count BIGINT NOT NULL,
        mos_sum DOUBLE PRECISION NOT NULL,
        repeated BIGINT NOT NULL,            -- calls followed by a repeat call within 24 h
        PRIMARY KEY (level, dim, bucket)     -- a dimension's buckets over a range are one contiguous read
      ) WITH (fillfactor = 70);              -- room on each page, so that adding to the counts is a HOT update
      CREATE INDEX rollups_by_bucket ON rollups (level, bucket, dim); -- one bucket's dimensions (breakdowns)
      -- The exact histograms of each rollup row, one row per value (its rollup row's id, the value, its count):
      -- kind 0 = MOS in hundredths, kind 1 = completed calls' durations in seconds. Written only in the same
      -- statement that upserts (and so locks) the rollup row.
      CREATE TABLE rollup_histograms (
        rollup_id BIGINT NOT NULL,
        kind SMALLINT NOT NULL,
        value BIGINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (rollup_id, kind, value)
      ) WITH (fillfactor = 70);
      -- Which projects each called number has had calls in: a filter on a number sums its per-project rollups.
      CREATE TABLE numbers (
        number TEXT NOT NULL,
        account_sid TEXT NOT NULL,
        PRIMARY KEY (number, account_sid)
      );
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
        firing BOOLEAN NOT NULL,             -- true while the rule's condition holds
        since BIGINT NOT NULL,               -- when the current state began, epoch ms
        evaluated_at BIGINT NOT NULL,
        value DOUBLE PRECISION,              -- the rule's figure at the last evaluation (NULL: not enough calls)
        calls BIGINT NOT NULL,
        message TEXT NOT NULL,
        notified TEXT,                       -- the last state notified: 'firing' | 'resolved' | NULL
        last_firing_notice_at BIGINT,        -- when the last firing notification was queued (cooldown)
        PRIMARY KEY (rule, subject)
      );
      -- Notifications queued with the evaluation that decided them, delivered (with retries) by alerts/notify.ts.
      CREATE TABLE alert_notifications (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        target TEXT NOT NULL,                -- the target's name; its URL stays in the configuration
        event TEXT NOT NULL,                 -- 'firing' | 'resolved'
        payload TEXT NOT NULL,               -- the alert, JSON
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        sent_at BIGINT,
        failed_at BIGINT,                    -- given up
        last_error TEXT
      );
      CREATE INDEX alert_notifications_pending ON alert_notifications (id) WHERE sent_at IS NULL AND failed_at IS NULL;
      -- Retention deletes, oldest first, the notifications that were sent or given up.
      CREATE INDEX alert_notifications_created_at ON alert_notifications (created_at);
      -- (quarantine (received_at), which retention also reads, is indexed since migration 1.)
    `,
  },
  {
    version: 4,
    name: 'MOS sums in millionths, an hour level',
    sql: `
      -- Rollup MOS sums become whole millionths of a point (domain/mos.ts): integer sums are exact in any
      -- order of addition, so both stores give the same mean to the last bit.
      UPDATE rollups SET mos_sum = ROUND(mos_sum * 1000000);
      -- The hour level (metrics/range-cover.ts), summed from the 15-minute rows and their histograms.
      INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated)
      SELECT 'hour', bucket - bucket % 3600000, dim, SUM(calls), SUM(completed), SUM(failed), SUM(busy), SUM(no_answer),
          SUM(canceled), SUM(mos_count), SUM(mos_sum), SUM(repeated)
        FROM rollups WHERE level = 'quarter' GROUP BY bucket - bucket % 3600000, dim;
      INSERT INTO rollup_histograms (rollup_id, kind, value, count)
      SELECT h.id, x.kind, x.value, SUM(x.count)
        FROM rollups q
        JOIN rollup_histograms x ON x.rollup_id = q.id
        JOIN rollups h ON h.level = 'hour' AND h.dim = q.dim AND h.bucket = q.bucket - q.bucket % 3600000
        WHERE q.level = 'quarter'
        GROUP BY h.id, x.kind, x.value;
    `,
  },
  {
    version: 5,
    name: 'rollups counted behind the inserts, histograms as text',
    sql: `
      -- Live batches now commit their calls alone; a catch-up (postgres-rollup-catch-up.ts), one instance at a
      -- time, counts them into the rollups later. The calls it has still to count, and the counted calls a
      -- later call has made repeated ones since, are listed here, written in the same transaction as the
      -- change (identity ids are taken at insert, not at commit, so a "counted up to id N" mark would miss a
      -- transaction that commits late). Readers add what these list, in the same snapshot.
      CREATE TABLE uncounted_calls (call_id BIGINT PRIMARY KEY);
      CREATE TABLE uncounted_marks (call_id BIGINT PRIMARY KEY);
      -- The histograms become encoded text in the rollup row itself (metrics/histogram.ts encodeHistogram,
      -- as SQLite keeps them): values ascending, each as its gap from the previous one in base 36 and ':',
      -- then its count in base 36 and ','. The catch-up merges them (one writer at a time).
      ALTER TABLE rollups ADD COLUMN mos_hist TEXT NOT NULL DEFAULT '', ADD COLUMN duration_hist TEXT NOT NULL DEFAULT '';
      CREATE FUNCTION pg_temp.cp_base36(n BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
        WITH RECURSIVE d(rest, digits) AS (
          SELECT n / 36, substr('0123456789abcdefghijklmnopqrstuvwxyz', (n % 36)::int + 1, 1)
          UNION ALL
          SELECT rest / 36, substr('0123456789abcdefghijklmnopqrstuvwxyz', (rest % 36)::int + 1, 1) || digits FROM d WHERE rest > 0
        ) SELECT digits FROM d WHERE rest = 0 $$;
      UPDATE rollups r SET mos_hist = COALESCE(e.mos, ''), duration_hist = COALESCE(e.duration, '')
        FROM (
          SELECT rollup_id,
              string_agg(entry, '' ORDER BY value) FILTER (WHERE kind = 0) AS mos,
              string_agg(entry, '' ORDER BY value) FILTER (WHERE kind = 1) AS duration
            FROM (
              SELECT rollup_id, kind, value, pg_temp.cp_base36(value - COALESCE(lag(value) OVER w, 0)) || ':' || pg_temp.cp_base36(count) || ',' AS entry
                FROM rollup_histograms WHERE count > 0
                WINDOW w AS (PARTITION BY rollup_id, kind ORDER BY value)
            ) AS entries
            GROUP BY rollup_id
        ) AS e
        WHERE e.rollup_id = r.id;
      DROP FUNCTION pg_temp.cp_base36(BIGINT);
      DROP TABLE rollup_histograms;
      -- One bucket's dimensions of one prefix and one more part (breakdowns) as one range of an index: by
      -- their depth (the number of '|' in the name: 'a:X|n:N' is 1, its splits 'a:X|n:N|s:completed' 2, and
      -- values never hold a '|'), then in byte order whatever the database's collation (a prefix 'a:X|n:'
      -- ends before 'a:X|n;' in byte order only). Without the depth, a project's numbers would be read with
      -- all their status and country splits, ten times as many rows.
      DROP INDEX rollups_by_bucket;
      CREATE INDEX rollups_by_bucket ON rollups (level, bucket, (length(dim) - length(replace(dim, '|', ''))), dim COLLATE "C");
    `,
  },
];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

import GRDB

/// The store's tables, created by numbered migrations (farm-notes §2.8, "Coordinator persistence").
/// Times are seconds since 1970 (`REAL`); lease ids are 64-bit integers.
enum FarmStoreSchema {
    /// The schema version recorded in `meta` once every migration has run.
    static let version = 2

    /// Keys of the `meta` table.
    enum MetaKey {
        static let schemaVersion = "schema_version"
        /// Bumped on every open: which coordinator incarnation wrote what.
        static let epoch = "epoch"
        /// The highest lease id reserved so far; ids above it have never been handed out.
        static let leaseIDHighWaterMark = "lease_id_high_water_mark"
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs, tasks, workers, blocklist, events, meta") { db in
            try db.execute(sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                CREATE TABLE jobs (
                    job_id TEXT PRIMARY KEY NOT NULL,
                    spec_yaml TEXT NOT NULL,
                    spec_path TEXT,
                    priority INTEGER NOT NULL,
                    retries INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'cancelled', 'done')),
                    created_at REAL NOT NULL
                );
                CREATE TABLE tasks (
                    task_id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs(job_id),
                    ordinal INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    params TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'committed', 'failed')),
                    attempt INTEGER NOT NULL DEFAULT 0,
                    lease_id INTEGER,
                    worker_id TEXT,
                    deadline REAL,
                    failures INTEGER NOT NULL DEFAULT 0,
                    result_sha256 TEXT,
                    result_size INTEGER,
                    committed_lease INTEGER,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX tasks_by_job_and_state ON tasks(job_id, state, ordinal);
                CREATE TABLE workers (
                    worker_id TEXT PRIMARY KEY NOT NULL,
                    incarnation TEXT,
                    last_seen REAL NOT NULL,
                    state TEXT NOT NULL
                );
                CREATE TABLE blocklist (
                    job_id TEXT NOT NULL REFERENCES jobs(job_id),
                    worker_id TEXT NOT NULL,
                    failures INTEGER NOT NULL,
                    since REAL NOT NULL,
                    PRIMARY KEY (job_id, worker_id)
                );
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    kind TEXT NOT NULL,
                    job_id TEXT,
                    task_id TEXT,
                    worker_id TEXT,
                    detail TEXT
                );
                """)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, '1'), (?, '0'), (?, '0')",
                           arguments: [MetaKey.schemaVersion, MetaKey.epoch, MetaKey.leaseIDHighWaterMark])
        }
        migrator.registerMigration("v2: results, model digests, affinity keys, worker facts") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN model_digest TEXT;
                ALTER TABLE jobs ADD COLUMN output TEXT;
                ALTER TABLE tasks ADD COLUMN object_key TEXT;
                ALTER TABLE tasks ADD COLUMN prompt TEXT;
                UPDATE tasks SET object_key = json_extract(params, '$.imageDigest') || ' ' ||
                                              COALESCE(json_extract(params, '$.box.x0') || ',' || json_extract(params, '$.box.y0') || ','
                                                       || json_extract(params, '$.box.x1') || ',' || json_extract(params, '$.box.y1'), 'full'),
                                 prompt = json_extract(params, '$.prompt');
                ALTER TABLE workers ADD COLUMN hostname TEXT;
                ALTER TABLE workers ADD COLUMN model_digest TEXT;
                ALTER TABLE workers ADD COLUMN slots INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE workers ADD COLUMN first_seen REAL;
                CREATE TABLE results (
                    task_id TEXT PRIMARY KEY NOT NULL REFERENCES tasks(task_id),
                    job_id TEXT NOT NULL REFERENCES jobs(job_id),
                    lease_id INTEGER NOT NULL,
                    worker_id TEXT NOT NULL,
                    image_path TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    dino_i REAL,
                    clip_i REAL,
                    clip_t REAL,
                    render_seconds REAL NOT NULL,
                    encode_seconds REAL NOT NULL,
                    committed_at REAL NOT NULL
                );
                CREATE INDEX results_by_job ON results(job_id, committed_at);
                CREATE INDEX events_by_job ON events(job_id, seq);
                """)
            try db.execute(sql: "UPDATE meta SET value = '2' WHERE key = ?", arguments: [MetaKey.schemaVersion])
        }
        return migrator
    }
}

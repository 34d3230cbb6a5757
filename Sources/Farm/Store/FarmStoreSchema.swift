import GRDB

/// The store's tables, created by numbered migrations (farm-notes §2.8, "Coordinator persistence").
/// Times are seconds since 1970 (`REAL`); lease ids are 64-bit integers.
enum FarmStoreSchema {
    /// The schema version recorded in `meta` once every migration has run.
    static let version = 1

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
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?), (?, '0'), (?, '0')",
                           arguments: [MetaKey.schemaVersion, String(version), MetaKey.epoch, MetaKey.leaseIDHighWaterMark])
        }
        return migrator
    }
}

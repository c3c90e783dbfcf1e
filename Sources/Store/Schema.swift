import Configs
import PostgresNIO

/// The store's tables, as numbered migrations kept in the project. A store records the versions applied in
/// `ktune.schema_migrations`; opening a store applies the missing ones in order (under an advisory lock, so
/// two machines opening a new store at once do not race) and refuses a store whose version is newer than
/// `Schema.current`, changing nothing.
///
/// Journal entries, tuned configs and profile rows are stored whole as JSONB next to the columns queries
/// key on (fingerprint, family, shape, params hash, run), so fields later ktune versions add to those
/// formats are kept rather than dropped.
public enum Schema {
    public struct Migration: Sendable {
        public var version: Int
        public var summary: String
        /// One statement each (the extended query protocol takes one statement per query). Constant DDL;
        /// no value is ever spliced into these.
        public var statements: [String]
    }

    public static let migrations: [Migration] = [
        Migration(version: 1, summary: "machines, runs, measurements, tuned configs", statements: [
            """
            CREATE TABLE ktune.machines (
                fingerprint text PRIMARY KEY,
                description jsonb NOT NULL,
                first_seen timestamptz NOT NULL DEFAULT now(),
                last_seen timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE ktune.runs (
                run_id text PRIMARY KEY,
                fingerprint text NOT NULL REFERENCES ktune.machines (fingerprint),
                header jsonb NOT NULL,
                source text NOT NULL,
                pushed_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE ktune.measurements (
                id bigserial PRIMARY KEY,
                run_id text NOT NULL REFERENCES ktune.runs (run_id) ON DELETE CASCADE,
                fingerprint text NOT NULL REFERENCES ktune.machines (fingerprint),
                family text NOT NULL,
                shape text NOT NULL,
                params_hash text NOT NULL,
                rung integer NOT NULL,
                line_no integer NOT NULL,
                entry_hash text NOT NULL,
                entry jsonb NOT NULL,
                UNIQUE (run_id, entry_hash))
            """,
            "CREATE INDEX measurements_by_shape ON ktune.measurements (fingerprint, family, shape)",
            """
            CREATE TABLE ktune.tuned_configs (
                fingerprint text NOT NULL REFERENCES ktune.machines (fingerprint),
                version integer NOT NULL,
                config_hash text NOT NULL,
                config jsonb NOT NULL,
                speedups jsonb NOT NULL,
                run_id text,
                source text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (fingerprint, version),
                UNIQUE (fingerprint, config_hash))
            """,
        ]),
        Migration(version: 2, summary: "split sweeps (queue with leases) and profile rows", statements: [
            """
            CREATE TABLE ktune.sweeps (
                sweep_id text PRIMARY KEY,
                fingerprint text NOT NULL REFERENCES ktune.machines (fingerprint),
                space_hash text NOT NULL,
                tool_version text NOT NULL,
                plan jsonb NOT NULL,
                state text NOT NULL DEFAULT 'measuring' CHECK (state IN ('measuring', 'finalizing', 'done')),
                finalizer text,
                finalize_lease timestamptz,
                config_version integer,
                results jsonb,
                created_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz)
            """,
            """
            CREATE TABLE ktune.sweep_candidates (
                sweep_id text NOT NULL REFERENCES ktune.sweeps (sweep_id) ON DELETE CASCADE,
                seq integer NOT NULL,
                target_index integer NOT NULL,
                family text NOT NULL,
                shape text NOT NULL,
                params_hash text NOT NULL,
                proposal jsonb NOT NULL,
                state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'claimed', 'done')),
                claimed_by text,
                lease_until timestamptz,
                attempts integer NOT NULL DEFAULT 0,
                measured_by text,
                result jsonb,
                PRIMARY KEY (sweep_id, seq),
                UNIQUE (sweep_id, family, shape, params_hash))
            """,
            "CREATE INDEX sweep_candidates_open ON ktune.sweep_candidates (sweep_id, state, seq)",
            """
            CREATE TABLE ktune.sweep_targets (
                sweep_id text NOT NULL REFERENCES ktune.sweeps (sweep_id) ON DELETE CASCADE,
                target_index integer NOT NULL,
                family text NOT NULL,
                shape text NOT NULL,
                state text NOT NULL DEFAULT 'measuring' CHECK (state IN ('measuring', 'claimed', 'done')),
                claimed_by text,
                lease_until timestamptz,
                attempts integer NOT NULL DEFAULT 0,
                result jsonb,
                PRIMARY KEY (sweep_id, target_index))
            """,
            """
            CREATE TABLE ktune.profile_rows (
                id bigserial PRIMARY KEY,
                fingerprint text NOT NULL REFERENCES ktune.machines (fingerprint),
                config_hash text,
                model text NOT NULL,
                n_prompt integer NOT NULL CHECK (n_prompt >= 0),
                n_gen integer NOT NULL CHECK (n_gen >= 0),
                n_threads integer NOT NULL CHECK (n_threads >= 1),
                avg_ts double precision NOT NULL,
                stddev_ts double precision NOT NULL,
                samples jsonb NOT NULL,
                row_hash text NOT NULL UNIQUE,
                record jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX profile_rows_by_machine ON ktune.profile_rows (fingerprint, model)",
        ]),
        Migration(version: 3, summary: "weight condition (cold/hot) of split-sweep targets and candidates", statements: [
            // NULL on rows a version-2 ktune queued (their sweeps carry its tool version, which a newer
            // worker refuses anyway).
            "ALTER TABLE ktune.sweep_targets ADD COLUMN condition text CHECK (condition IN ('hot', 'cold'))",
            "ALTER TABLE ktune.sweep_candidates ADD COLUMN condition text CHECK (condition IN ('hot', 'cold'))",
        ]),
    ]

    /// The newest schema this ktune knows.
    public static var current: Int { migrations.last?.version ?? 0 }

    /// Brings the store at `connection` to `target` (default: `current`); returns the versions applied.
    /// Throws `.newerSchema` when the store is already past what this ktune knows.
    @discardableResult
    public static func migrate(_ connection: StoreConnection, to target: Int = current) throws(StoreError) -> [Int] {
        try connection.transaction("migrating the schema") { () throws(StoreError) -> [Int] in
            // One migrator at a time, across every machine opening this store.
            try connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", "locking the schema")
            try connection.query("CREATE SCHEMA IF NOT EXISTS ktune", "creating schema ktune")
            try connection.query("""
                CREATE TABLE IF NOT EXISTS ktune.schema_migrations (
                    version integer PRIMARY KEY,
                    summary text NOT NULL,
                    tool_version text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, "creating ktune.schema_migrations")
            let found = try version(connection)
            if found > current {
                throw StoreError.newerSchema(store: connection.location.description, found: found, supported: current)
            }
            var applied: [Int] = []
            for m in migrations where m.version > found && m.version <= target {
                for s in m.statements {
                    try connection.query(PostgresQuery(unsafeSQL: s), "schema migration \(m.version) (\(m.summary))")
                }
                try connection.query("""
                    INSERT INTO ktune.schema_migrations (version, summary, tool_version)
                    VALUES (\(m.version), \(m.summary), \(ToolVersion.current))
                    """, "recording schema migration \(m.version)")
                applied.append(m.version)
            }
            return applied
        }
    }

    /// The highest version recorded in the store (0 for a store without ktune's tables).
    public static func version(_ connection: StoreConnection) throws(StoreError) -> Int {
        let rows = try connection.query("""
            SELECT coalesce(max(version), 0)::int8 FROM ktune.schema_migrations
            """, "reading the schema version")
        return try connection.decoding("ktune.schema_migrations") { Int(try rows.first?.decode(Int64.self) ?? 0) }
    }

    /// pg_advisory_xact_lock key for migrations (an arbitrary constant: "ktune" in ASCII).
    static let lockKey: Int64 = 0x6b74_756e_65
}


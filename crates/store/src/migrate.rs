//! Numbered schema migrations, embedded in the binary.
//!
//! Each file under `migrations/` is `NNNN_name.sql`; it runs once, in order, inside its own
//! transaction together with the row that records it in `schema_migrations`. A table rather
//! than `PRAGMA user_version` because PostgreSQL has no such pragma and the same bookkeeping
//! should work in both.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::{Result, StoreError};

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: u32,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, oldest first. Append only: never edit or renumber a shipped one.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "script_inventory",
        sql: include_str!("../migrations/0002_script_inventory.sql"),
    },
    Migration {
        version: 3,
        name: "inventory_inactive",
        sql: include_str!("../migrations/0003_inventory_inactive.sql"),
    },
    Migration {
        version: 4,
        name: "inventory_domains",
        sql: include_str!("../migrations/0004_inventory_domains.sql"),
    },
    Migration {
        version: 5,
        name: "script_versions",
        sql: include_str!("../migrations/0005_script_versions.sql"),
    },
    Migration {
        version: 6,
        name: "access_audit",
        sql: include_str!("../migrations/0006_access_audit.sql"),
    },
    Migration {
        version: 7,
        name: "access_credentials",
        sql: include_str!("../migrations/0007_access_credentials.sql"),
    },
];

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

const CREATE_BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_ms INTEGER NOT NULL
)";

/// The highest applied migration, 0 for a fresh database.
pub(crate) fn current_version(conn: &Connection) -> Result<u32> {
    let version: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    let version = version.unwrap_or(0);
    u32::try_from(version).map_err(|_| StoreError::TooNew {
        found: u32::MAX,
        known: SCHEMA_VERSION,
    })
}

/// Brings the schema up to [`SCHEMA_VERSION`], or refuses a database that is newer.
///
/// Each step takes the write lock first (`BEGIN IMMEDIATE`) and re-reads the version inside
/// it, so two processes opening the same new file at once apply each migration exactly once.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(CREATE_BOOKKEEPING)?;
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let fail = |source| StoreError::Migration {
            version: migration.version,
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        if current_version(&tx)? >= migration.version {
            continue; // another process applied it meanwhile; dropping `tx` rolls back nothing
        }
        tx.execute_batch(migration.sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![
                migration.version,
                migration.name,
                parapet_core::Timestamp::now().as_unix_millis()
            ],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied schema migration"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_and_match_their_files() {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(
                || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                std::path::PathBuf::from,
            )
            .join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("migrations directory is part of the crate")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(
            files.len(),
            MIGRATIONS.len(),
            "a migration file is not embedded"
        );
        // Strictly increasing; a number may be missing while its branch is unmerged.
        let mut last = 0;
        for (m, file) in MIGRATIONS.iter().zip(&files) {
            assert!(m.version > last, "migration {} is out of order", m.version);
            last = m.version;
            assert_eq!(file, &format!("{:04}_{}.sql", m.version, m.name));
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }

    #[test]
    fn a_failing_migration_rolls_back_and_names_its_version() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(CREATE_BOOKKEEPING).expect("bookkeeping");
        // Make migration 1 fail half-way: its first CREATE TABLE would collide.
        conn.execute_batch("CREATE TABLE settings (x)")
            .expect("collision");
        let err = migrate(&mut conn).expect_err("must fail");
        assert!(
            matches!(err, StoreError::Migration { version: 1, .. }),
            "{err:?}"
        );
        assert_eq!(current_version(&conn).expect("version"), 0);
        let events_table: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'events'",
                [],
                |r| r.get(0),
            )
            .expect("query");
        assert_eq!(events_table, 0, "partial migration was not rolled back");
    }
}

//! The run ledger: an append-only SQLite file recording each run (plan,
//! period, manifest hash, who, when), each approval and each export. Rows
//! are never updated or deleted (triggers refuse it) and each row carries
//! the sha256 of the previous row's hash and its own fields, so a row
//! changed outside merit breaks the chain (`merit ledger --verify`).

use crate::error::{Diagnostic, Error, Result};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The ledger's file name when neither `--ledger` nor anything else says.
pub const DEFAULT_FILE: &str = "merit-ledger.sqlite";

/// `PRAGMA application_id` of a merit ledger ("MRIT").
const APPLICATION_ID: i32 = 0x4D52_4954;

/// The `events` table's columns, in order.
const COLUMNS: [&str; 13] = [
    "seq",
    "at",
    "kind",
    "plan",
    "period",
    "manifest",
    "run_dir",
    "previous",
    "actor",
    "role",
    "detail",
    "prev_hash",
    "hash",
];

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('run', 'approval', 'export')),
  plan TEXT NOT NULL,
  period TEXT NOT NULL,
  manifest TEXT NOT NULL,
  run_dir TEXT NOT NULL,
  previous TEXT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the merit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the merit ledger is append-only'); END;
";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Approval,
    Export,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Approval => "approval",
            Kind::Export => "export",
        }
    }
    fn parse(s: &str) -> Option<Kind> {
        [Kind::Run, Kind::Approval, Kind::Export]
            .into_iter()
            .find(|k| k.name() == s)
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub kind: Kind,
    pub plan: String,
    pub period: String,
    /// sha256 of the run's manifest.json: the run's identity.
    pub manifest: String,
    pub run_dir: String,
    /// For a run made with `--previous`: that run's manifest sha256, else "".
    pub previous: String,
    /// Who ran, approved or exported.
    pub actor: String,
    /// The approval's role, or the export's target; "" for a run.
    pub role: String,
    /// A note, or the export's file and sha256.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    /// A new event of a run, to be appended (seq, time and hashes are set then).
    pub fn new(kind: Kind, plan: &str, period: &str, manifest: &str, run_dir: &Path) -> Event {
        Event {
            seq: 0,
            at: String::new(),
            kind,
            plan: plan.into(),
            period: period.into(),
            manifest: manifest.into(),
            run_dir: run_dir.display().to_string(),
            previous: String::new(),
            actor: String::new(),
            role: String::new(),
            detail: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// sha256 over the previous hash and every field, each prefixed by its
    /// length so no text can move between neighbouring fields.
    fn chain_hash(&self, prev_hash: &str) -> String {
        let fields = [
            prev_hash,
            &self.seq.to_string(),
            &self.at,
            self.kind.name(),
            &self.plan,
            &self.period,
            &self.manifest,
            &self.run_dir,
            &self.previous,
            &self.actor,
            &self.role,
            &self.detail,
        ];
        let mut h = Sha256::new();
        for f in fields {
            h.update(format!("{}:", f.len()).as_bytes());
            h.update(f.as_bytes());
        }
        format!("{:x}", h.finalize())
    }
}

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

fn now_utc() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos())
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

impl Ledger {
    /// Opens (creating if absent) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| sql(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| sql(path, e))?;
        let id = Self::claim(&conn).map_err(|e| sql(path, e))?;
        let Some(id) = id else {
            return Err(Error::one(Diagnostic::error(
                path,
                "not a merit run ledger (another application's SQLite database): merit writes only to a ledger of its own",
            )));
        };
        conn.execute_batch(SCHEMA)
            .and_then(|_| match id {
                APPLICATION_ID => Ok(()),
                _ => conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}")),
            })
            .map_err(|e| sql(path, e))?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database's application id when merit may use it as its ledger:
    /// merit's own, or an empty database, or a ledger of an earlier merit
    /// (no id yet, only the `events` table); `None` for any other database.
    fn claim(conn: &Connection) -> rusqlite::Result<Option<i32>> {
        let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('events')")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let ours = id == APPLICATION_ID
            || tables.is_empty()
            || (id == 0 && tables == ["events"] && columns == COLUMNS);
        Ok(ours.then_some(id))
    }

    /// Appends `e` after the last row, in one immediate transaction so two
    /// writers cannot fork the chain; returns the row as stored.
    pub fn append(&mut self, e: Event) -> Result<Event> {
        self.locked(|l| l.insert(e))
    }

    /// Runs `f` holding the ledger's write lock (an immediate transaction):
    /// what `f` reads cannot change before what it appends is committed, so
    /// a check and the row it allows are one step. Rolled back if `f` fails.
    pub fn locked<T>(&mut self, f: impl FnOnce(&mut Ledger) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|err| sql(&path, err))?;
        match f(self) {
            Ok(v) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(err) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(sql(&path, err))
                }
            },
            Err(err) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(err)
            }
        }
    }

    /// Inserts `e` after the last row; the caller holds the lock.
    fn insert(&mut self, mut e: Event) -> Result<Event> {
        let path = self.path.clone();
        let tx = &self.conn;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|err| sql(&path, err))?;
        let (seq, prev) = last.unwrap_or((0, GENESIS.into()));
        e.seq = seq + 1;
        e.at = now_utc();
        e.prev_hash = prev.clone();
        e.hash = e.chain_hash(&prev);
        tx.execute(
            "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                e.seq,
                e.at,
                e.kind.name(),
                e.plan,
                e.period,
                e.manifest,
                e.run_dir,
                e.previous,
                e.actor,
                e.role,
                e.detail,
                e.prev_hash,
                e.hash
            ],
        )
        .map_err(|err| sql(&path, err))?;
        Ok(e)
    }

    /// Appends `e` inside [`Ledger::locked`].
    pub fn append_locked(&mut self, e: Event) -> Result<Event> {
        if self.conn.is_autocommit() {
            return self.append(e);
        }
        self.insert(e)
    }

    /// Every row, in order.
    pub fn events(&self) -> Result<Vec<Event>> {
        self.select("1", [])
    }

    /// The rows matching an SQL condition, in order: SQLite filters, so a
    /// question about one run does not read the whole ledger.
    fn select<P: rusqlite::Params>(&self, filter: &str, params: P) -> Result<Vec<Event>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT * FROM events WHERE {filter} ORDER BY seq"))
            .map_err(|e| sql(&self.path, e))?;
        let rows = st
            .query_map(params, |r| {
                let kind: String = r.get(2)?;
                // The table's CHECK allows only the three kinds; a file made
                // otherwise is refused, not read as runs.
                let kind = Kind::parse(&kind).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        format!("unknown event kind '{kind}'").into(),
                    )
                })?;
                Ok(Event {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    kind,
                    plan: r.get(3)?,
                    period: r.get(4)?,
                    manifest: r.get(5)?,
                    run_dir: r.get(6)?,
                    previous: r.get(7)?,
                    actor: r.get(8)?,
                    role: r.get(9)?,
                    detail: r.get(10)?,
                    prev_hash: r.get(11)?,
                    hash: r.get(12)?,
                })
            })
            .map_err(|e| sql(&self.path, e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| sql(&self.path, e))
    }

    /// Rows whose hash chain is broken: each a message naming the row.
    pub fn verify(&self) -> Result<Vec<String>> {
        let mut prev = GENESIS.to_owned();
        let mut bad = Vec::new();
        for (i, e) in self.events()?.iter().enumerate() {
            if e.seq != i as i64 + 1 {
                bad.push(format!(
                    "row {}: expected row {} here (a row was removed)",
                    e.seq,
                    i + 1
                ));
            }
            if e.prev_hash != prev || e.hash != e.chain_hash(&prev) {
                bad.push(format!(
                    "row {} ({} of {} {}): its hash does not match its contents and the row before",
                    e.seq,
                    e.kind.name(),
                    e.plan,
                    e.period
                ));
            }
            prev = e.hash.clone();
        }
        Ok(bad)
    }
}

fn sql(path: &Path, e: rusqlite::Error) -> Error {
    Error::one(Diagnostic::error(path, format!("run ledger: {e}")))
}

/// Who is acting: `--by`, else the login name, else "unknown".
pub fn actor(by: Option<&str>) -> String {
    by.map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Questions the ledger answers about a plan's periods.
impl Ledger {
    /// The run recorded with this manifest, if any.
    pub fn run(&self, manifest: &str) -> Result<Option<Event>> {
        let rows = self.select("kind = 'run' AND manifest = ?1", [manifest])?;
        Ok(rows.into_iter().next())
    }

    /// Approvals and exports of the run with this manifest, in order.
    pub fn acts(&self, manifest: &str, kind: Kind) -> Result<Vec<Event>> {
        self.select("kind = ?1 AND manifest = ?2", [kind.name(), manifest])
    }

    /// Every run of `plan` recorded, in order.
    pub fn runs_of_plan(&self, plan: &str) -> Result<Vec<Event>> {
        self.select("kind = 'run' AND plan = ?1", [plan])
    }

    /// Runs made with `--previous` the run with this manifest.
    pub fn reruns_of(&self, manifest: &str) -> Result<Vec<Event>> {
        self.select("kind = 'run' AND previous = ?1", [manifest])
    }

    /// The last payroll export of `plan`'s `period`: the run that was paid.
    pub fn paid(&self, plan: &str, period: &str) -> Result<Option<Event>> {
        let filter = "kind = 'export' AND role = 'payroll' AND plan = ?1 AND period = ?2";
        Ok(self.select(filter, [plan, period])?.pop())
    }

    /// Why a run of `plan`'s `period` based on `previous` (a manifest
    /// sha256, if a re-run) may not pay, if it may not: a paid period is
    /// paid again only through a re-run of the run that was paid last.
    pub fn may_pay(
        &self,
        plan: &str,
        period: &str,
        previous: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(paid) = self.paid(plan, period)? else {
            return Ok(None);
        };
        Ok(match previous {
            Some(p) if p == paid.manifest => None,
            Some(_) => Some(format!(
                "{period} of plan '{plan}' was last paid by the run {} (exported {} by {}); a correction must be a re-run with --previous that run",
                paid.run_dir, paid.at, paid.actor
            )),
            None => Some(format!(
                "{period} of plan '{plan}' was already paid by the run {} (exported {} by {}); pay a correction with --previous that run",
                paid.run_dir, paid.at, paid.actor
            )),
        })
    }
}

//! `merit export RUN --to payroll|journal --out FILE`: the file payroll or
//! the general ledger imports, from an intact, recorded and fully approved
//! run. A first run exports what it pays; a re-run only what is due now
//! (`adjustments.csv`). A payroll export marks the period paid.

use super::payrun::RecordedRun;
use super::runfolder::Keyed;
use crate::decimal::parse_decimal;
use crate::error::{Error, Result};
use crate::ledger::Kind;
use crate::output::csv::unneutralise;
use crate::output::export::{self, Pay, PayLine};
use clap::Args;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One row per employee and pay code, for the payroll system.
    Payroll,
    /// A balanced journal entry, for the general ledger.
    Journal,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run folder to export.
    pub run: PathBuf,
    #[arg(long, value_enum)]
    pub to: Target,
    /// The file to write, `.csv` or `.xlsx`; it must not exist.
    #[arg(long)]
    pub out: PathBuf,
    /// Who exports (recorded) [default: the login name]
    #[arg(long)]
    pub by: Option<String>,
    /// The run ledger [default: merit-ledger.sqlite beside the run]
    #[arg(long)]
    pub ledger: Option<PathBuf>,
}

/// Checks `--out`: `.csv` or `.xlsx` (returns whether XLSX), not there
/// yet, outside the run folder.
fn out_is_xlsx(args: &ExportArgs) -> Result<bool> {
    let xlsx = match args.out.extension().and_then(|e| e.to_str()) {
        Some("csv") => false,
        Some("xlsx") => true,
        _ => {
            return Err(Error::Usage(format!(
                "--out {}: the file must end in .csv or .xlsx",
                args.out.display()
            )))
        }
    };
    if args.out.exists() {
        return Err(Error::Usage(format!(
            "--out {} exists; merit does not overwrite a file it did not write",
            args.out.display()
        )));
    }
    if super::outdir::relation(&args.out, &args.run)?.is_some() {
        return Err(Error::Usage(format!(
            "--out {}: write exports outside the run folder; it holds only what the run wrote (its manifest seals it)",
            args.out.display()
        )));
    }
    Ok(xlsx)
}

pub fn main(args: ExportArgs) -> Result<ExitCode> {
    let xlsx = out_is_xlsx(&args)?;
    let r = RecordedRun::open(&args.run, args.ledger.as_deref(), "export")?;
    may_export(&r, &r.ledger, args.to)?;
    let lines = pay_lines(&r)?;
    let p = &r.lp.policy;
    let period = r.event.period.clone();
    let sheet = match args.to {
        Target::Payroll => export::payroll(&p.export, &lines, &period),
        Target::Journal => export::journal(&p.export, &lines, &period, &p.currency),
    };
    let places = p.rounding.money_places;
    let (name, what) = match args.to {
        Target::Payroll => ("payroll", "payroll"),
        Target::Journal => ("journal", "journal"),
    };
    let bytes = if xlsx {
        export::xlsx(&sheet, name, places, &period)?
    } else {
        export::csv(&sheet, places)
    };
    let totals = totals(&lines);
    let shown: Vec<String> = totals.iter().map(|(c, t)| format!("{t} {c}")).collect();
    let mut e = r.event(Kind::Export, &crate::ledger::actor(args.by.as_deref()));
    e.role = what.into();
    e.detail = format!(
        "{} sha256 {}; {} rows; {}",
        args.out.display(),
        crate::output::manifest::sha256(&bytes),
        sheet.rows.len(),
        shown.join(", ")
    );
    // The checks again, the file and its ledger row as one step under the
    // ledger's write lock: two exports at once cannot both pay the period.
    let mut written = false;
    let mut lock = crate::ledger::Ledger::open(r.ledger.path())?;
    let e = lock
        .locked(|l| {
            may_export(&r, l, args.to)?;
            write_new(&args.out, &bytes)?;
            written = true;
            l.append_locked(e)
        })
        .inspect_err(|_| {
            if written {
                let _ = std::fs::remove_file(&args.out);
            }
        })?;
    println!(
        "merit: {what} export of {} ({} {}) → {}: {} rows, {} (ledger row {})",
        args.run.display(),
        e.plan,
        e.period,
        args.out.display(),
        sheet.rows.len(),
        shown.join(", "),
        e.seq
    );
    Ok(ExitCode::SUCCESS)
}

/// Refuses a run lacking approvals, one already exported to the same
/// target, (payroll) a period another run paid, or (payroll) a re-run of a
/// period nobody paid: it pays only the difference from a run never paid.
fn may_export(r: &RecordedRun, ledger: &crate::ledger::Ledger, to: Target) -> Result<()> {
    let missing = r.missing_approvals_in(ledger)?;
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "{} lacks the approval of: {} (merit approve RUN --as ROLE --by NAME)",
            r.run.dir.display(),
            missing.join(", ")
        )));
    }
    let target = if to == Target::Payroll {
        "payroll"
    } else {
        "journal"
    };
    if let Some(done) = ledger
        .acts(&r.manifest, Kind::Export)?
        .into_iter()
        .find(|e| e.role == target)
    {
        return Err(Error::Usage(format!(
            "{} was already exported to {target} at {} by {} ({})",
            r.run.dir.display(),
            done.at,
            done.actor,
            done.detail
        )));
    }
    if to == Target::Payroll {
        let prev = Some(r.event.previous.as_str()).filter(|p| !p.is_empty());
        if let Some(why) = ledger.may_pay(&r.event.plan, &r.event.period, prev)? {
            return Err(Error::Usage(why));
        }
        if prev.is_some() && ledger.paid(&r.event.plan, &r.event.period)?.is_none() {
            return Err(Error::Usage(format!(
                "{} is a re-run: it pays only what is due beyond the run it corrects, but no run of {} of plan '{}' was exported to payroll in the ledger {}; export the run it corrects first (or pay a fresh run)",
                r.run.dir.display(),
                r.event.period,
                r.event.plan,
                ledger.path().display()
            )));
        }
    }
    Ok(())
}

/// Per currency, the total of the lines (what payroll pays).
fn totals(lines: &[PayLine]) -> BTreeMap<String, Decimal> {
    let mut t = BTreeMap::new();
    for l in lines {
        *t.entry(l.currency.clone()).or_default() += l.amount;
    }
    t
}

/// Writes `bytes` to a new file `path` through a temporary sibling, so a
/// failure leaves nothing behind.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.merit-tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    // A hard link never replaces: a file that appeared meanwhile is kept.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
            "{} appeared meanwhile; not overwritten",
            path.display()
        )),
        _ => Error::io(path, e),
    })
}

/// What the run pays: a first run its payouts (bonus and project rows; a
/// person paid in another currency one row of the converted total, as in
/// payouts.csv); a re-run what is due now.
fn pay_lines(r: &RecordedRun) -> Result<Vec<PayLine>> {
    let payouts = Keyed::parse(&r.run.read_text("payouts.csv")?);
    let centre = cost_centres(r)?;
    let rerun = r.run.manifest.get("previous_files").is_some();
    let due = if rerun {
        Some(Keyed::parse(&r.run.read_text("adjustments.csv")?))
    } else {
        None
    };
    let mut lines = Vec::new();
    for row in payouts.rows.values() {
        let get = |c: &str| unneutralise(payouts.get(row, c)).to_owned();
        let num = |c: &str| {
            parse_decimal(payouts.get(row, c))
                .map_err(|m| Error::Usage(format!("payouts.csv, {c}: {m}")))
        };
        let id = get("employee_id");
        let line = |pay, amount: Decimal, currency: String, booked| PayLine {
            employee_id: id.clone(),
            name: get("name"),
            department: get("department"),
            cost_centre: centre
                .get(&id)
                .cloned()
                .unwrap_or_else(|| get("department")),
            pay,
            amount,
            currency,
            booked,
        };
        let (cur, local) = (get("currency"), get("payout_currency"));
        if let Some(due) = &due {
            let (now, in_currency) = due_now(due, &id)?;
            if now > Decimal::ZERO {
                lines.push(line(Pay::Adjustment, in_currency, local.clone(), now));
            }
        } else if local == cur {
            let with_commission = !r.lp.policy.commissions.is_empty();
            let pays = [
                (Pay::Bonus, "bonus"),
                (Pay::Commission, "commission"),
                (Pay::Project, "project_bonus"),
            ];
            let stateful = r.lp.policy.is_stateful();
            for (pay, col) in pays {
                if pay == Pay::Commission && !with_commission && !stateful {
                    continue;
                }
                // A draw-only plan has no commission column: its line is the net.
                let mut v = match (pay, with_commission) {
                    (Pay::Commission, false) => Decimal::ZERO,
                    _ => num(col)?,
                };
                if pay == Pay::Commission && stateful {
                    // One net line: what the total pays beyond the bonus
                    // and projects (commission + draw − recovered + carried).
                    v = num("total_payout")?
                        .checked_sub(num("bonus")?)
                        .and_then(|x| x.checked_sub(num("project_bonus").ok()?))
                        .ok_or_else(|| {
                            Error::Usage(
                                "payouts.csv: the commission line does not fit a decimal".into(),
                            )
                        })?;
                }
                if !v.is_zero() {
                    lines.push(line(pay, v, cur.clone(), v));
                }
            }
        } else if !num("total_payout")?.is_zero() {
            lines.push(line(
                Pay::Bonus,
                num("payout_in_currency")?,
                local.clone(),
                num("total_payout")?,
            ));
        }
    }
    Ok(lines)
}

/// A re-run's `paid_now` of `id` and the same in the payout currency, as
/// `adjustments.csv` has them (zero when the employee has no row).
fn due_now(due: &Keyed, id: &str) -> Result<(Decimal, Decimal)> {
    let row = due
        .rows
        .iter()
        .find(|(k, _)| unneutralise(k) == id)
        .map(|(_, d)| d);
    let cell = |c: &str| {
        let v = row.map_or("0", |d| due.get(d, c));
        parse_decimal(v).map_err(|m| Error::Usage(format!("adjustments.csv, {c}: {m}")))
    };
    Ok((cell("paid_now")?, cell("paid_now_in_currency")?))
}

/// Employee → cost centre when the policy names an employees column other
/// than `department` (read from the run's archived data).
fn cost_centres(r: &RecordedRun) -> Result<BTreeMap<String, String>> {
    let col = &r.lp.policy.export.payroll.cost_centre;
    if col == "department" {
        return Ok(BTreeMap::new());
    }
    let data = crate::data::load(&r.run.dir.join(crate::output::archive::DATA_DIR), &r.lp)?;
    let mut out = BTreeMap::new();
    for e in &data.employees {
        let Some(v) = e.extra.get(col) else {
            return Err(Error::Usage(format!(
                "export.payroll.cost_centre: the employees table has no column '{col}'"
            )));
        };
        out.insert(e.id.clone(), v.clone());
    }
    Ok(out)
}

//! The `history` table: changes to an employee's terms from an effective
//! date (docs/data.md, history), which cut a period into spans
//! (docs/policy.md, Mid-period changes).

use super::cells::{amount_value, col, parse_date, text};
use super::inputs::{self, InputValue};
use super::problems::Budget;
use super::table::Table;
use super::Employee;
use crate::error::hint;
use crate::policy::Policy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The columns a history row may change besides the policy's inputs.
pub const CHANGEABLE: [&str; 5] = [
    "role",
    "department",
    "base_salary",
    "target_bonus_pct",
    "manager_id",
];

/// One row: the values that hold from `effective` on (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub effective: NaiveDate,
    pub role: Option<String>,
    pub department: Option<String>,
    pub base_salary: Option<Decimal>,
    pub target_bonus_pct: Option<Decimal>,
    pub manager_id: Option<String>,
    /// (index into the policy's inputs, value).
    pub inputs: Vec<(usize, InputValue)>,
}

impl Change {
    /// `e` with this change's values written over its own.
    pub fn apply(&self, e: &mut Employee) {
        if let Some(r) = &self.role {
            e.role.clone_from(r);
        }
        if let Some(d) = &self.department {
            e.department.clone_from(d);
        }
        if let Some(s) = self.base_salary {
            // As read from the employees table; `Data::apply_fx` converts.
            e.base_salary = s;
            e.base_salary_local = s;
            e.base_salary_exact = crate::exact::Num::Dec(s);
        }
        if let Some(p) = self.target_bonus_pct {
            e.target_bonus_pct = p;
        }
        if let Some(m) = &self.manager_id {
            e.manager_id = Some(m.clone());
        }
        for (i, v) in &self.inputs {
            if let Some(slot) = e.inputs.get_mut(*i) {
                *slot = v.clone();
            }
        }
    }
}

/// Employee id → their changes, by effective date.
pub type History = BTreeMap<String, Vec<Change>>;

/// The departments the table moves people into, as subjects of metrics,
/// targets and budgets.
pub(super) fn add_departments(t: &Table, subjects: &mut super::Subjects) {
    for d in col(t, "department").into_iter().filter_map(text) {
        subjects.add(d);
    }
}

/// The table's required and optional columns for `policy`.
pub fn columns(policy: &Policy) -> (Vec<&str>, Vec<&str>) {
    let mut optional: Vec<&str> = CHANGEABLE.to_vec();
    optional.extend(policy.inputs.keys().map(String::as_str));
    (vec!["employee_id", "effective"], optional)
}

pub(super) fn history(
    t: &Table,
    policy: &Policy,
    employees: &[Employee],
    b: &mut Budget,
) -> History {
    let by_id: HashMap<&str, &Employee> = employees.iter().map(|e| (e.id.as_str(), e)).collect();
    let (ids, dates) = (col(t, "employee_id"), col(t, "effective"));
    let cells = Cells {
        own: CHANGEABLE.iter().map(|c| col(t, c)).collect(),
        inputs: policy.inputs.keys().map(|c| col(t, c)).collect(),
    };
    let mut out: History = BTreeMap::new();
    let mut first_row: HashMap<(&str, NaiveDate), usize> = HashMap::new();
    for (row, id) in ids.iter().enumerate() {
        let id = text(*id).unwrap_or("");
        let e = by_id.get(id).copied();
        if e.is_none() {
            b.cell(t, row, "employee_id", format!("unknown employee '{id}'"));
        }
        let date = parse_date(dates[row].unwrap_or(""))
            .map_err(|m| b.cell(t, row, "effective", m))
            .ok();
        let change = cells.change(t, row, policy, &by_id, b);
        let (Some(e), Some(date), Some(mut ch)) = (e, date, change) else {
            continue;
        };
        if !dated_ok(t, row, e, date, b) {
            continue;
        }
        if let Some(first) = first_row.insert((&e.id, date), row) {
            let m = format!(
                "employee {} has two history rows effective {date} ({})",
                e.id,
                t.row_place(first)
            );
            // A duplicate key is a row problem (docs/data.md).
            b.push(t, "effective", t.row_error(row, m));
            continue;
        }
        ch.effective = date;
        out.entry(e.id.clone()).or_default().push(ch);
    }
    for list in out.values_mut() {
        list.sort_by_key(|c| c.effective);
    }
    out
}

/// The table's changeable columns: [`CHANGEABLE`]'s, then the inputs'.
struct Cells<'t> {
    own: Vec<Vec<Option<&'t str>>>,
    inputs: Vec<Vec<Option<&'t str>>>,
}

impl Cells<'_> {
    /// The row's values, each checked; `None` when one is wrong or none is given.
    fn change(
        &self,
        t: &Table,
        row: usize,
        policy: &Policy,
        by_id: &HashMap<&str, &Employee>,
        b: &mut Budget,
    ) -> Option<Change> {
        let cell = |c: usize| text(self.own[c][row]);
        let mut ch = Change::default();
        let mut ok = true;
        let mut fail = |b: &mut Budget, column: &str, m: String| {
            b.cell(t, row, column, m);
            ok = false;
        };
        if let Some(r) = cell(0) {
            if !policy.roles.contains_key(r) {
                let roles = policy.roles.keys().map(String::as_str);
                let m = format!("role '{r}' has no weights in the policy{}", hint(r, roles));
                fail(b, "role", m);
            }
            ch.role = Some(r.to_owned());
        }
        ch.department = cell(1).map(str::to_owned);
        for (c, slot) in [(2, &mut ch.base_salary), (3, &mut ch.target_bonus_pct)] {
            if let Some(v) = cell(c) {
                match amount_value(Some(v), false) {
                    Ok(d) => *slot = Some(d),
                    Err(m) => fail(b, CHANGEABLE[c], m),
                }
            }
        }
        if let Some(m) = cell(4) {
            if !by_id.contains_key(m) {
                fail(b, "manager_id", format!("unknown employee '{m}'"));
            }
            ch.manager_id = Some(m.to_owned());
        }
        for (i, (name, input)) in policy.inputs.iter().enumerate() {
            let v = self.inputs[i][row];
            match text(v).map(|_| inputs::read(input, v)) {
                Some(Ok(v)) => ch.inputs.push((i, v)),
                Some(Err(m)) => fail(b, name, m),
                None => {}
            }
        }
        let given = (0..CHANGEABLE.len()).any(|c| cell(c).is_some()) || !ch.inputs.is_empty();
        if !given && ok {
            let m = "the row changes nothing: fill at least one of role, department, base_salary, target_bonus_pct, manager_id or an input";
            b.cell(t, row, "employee_id", m);
            return None;
        }
        ok.then_some(ch)
    }
}

/// A change must fall inside the employment, after the hire date.
fn dated_ok(t: &Table, row: usize, e: &Employee, date: NaiveDate, b: &mut Budget) -> bool {
    let why = if date <= e.hire_date {
        format!(
            "effective {date}, not after employee {}'s hire date {}: put the values in the employees row",
            e.id, e.hire_date
        )
    } else if let Some(end) = e.termination_date.filter(|end| date > *end) {
        format!(
            "effective {date}, after employee {}'s termination date {end}: it changes nothing paid",
            e.id
        )
    } else {
        return true;
    };
    b.cell(t, row, "effective", why);
    false
}

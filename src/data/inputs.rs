//! Plan inputs (`inputs:` in the policy): typed cells of the employees
//! table's declared extra columns.

use super::cells::{amount_value, parse_bool, parse_date, text};
use crate::decimal::parse_decimal;
use crate::policy::{Input, InputType};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One employee's value of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputValue {
    /// An optional input left empty.
    Absent,
    /// A money or decimal input.
    Number(Decimal),
    Integer(i64),
    Text(String),
    Date(NaiveDate),
    Flag(bool),
}

impl InputValue {
    /// The value as a decimal, for quotas and targets.
    pub fn number(&self) -> Option<Decimal> {
        match self {
            InputValue::Number(d) => Some(*d),
            InputValue::Integer(i) => Some(Decimal::from(*i)),
            _ => None,
        }
    }
}

/// Reads one cell of an input column.
pub(super) fn read(input: &Input, cell: Option<&str>) -> Result<InputValue, String> {
    let Some(v) = text(cell) else {
        return if input.required {
            Err("empty value where the policy's input requires one".into())
        } else {
            Ok(InputValue::Absent)
        };
    };
    Ok(match input.kind {
        InputType::Money => InputValue::Number(amount_value(Some(v), false)?),
        InputType::Decimal => InputValue::Number(parse_decimal(v)?),
        InputType::Integer => InputValue::Integer(
            v.parse::<i64>()
                .map_err(|_| "not a whole number (e.g. 12)".to_owned())?,
        ),
        InputType::Text => InputValue::Text(v.to_owned()),
        InputType::Date => InputValue::Date(parse_date(v)?),
        InputType::Flag => InputValue::Flag(parse_bool(v)?),
    })
}

//! Target sources of `policy.yaml` (`kpis[].target`): table, fixed,
//! script, history, benchmark, cascade, max and min — the types the target
//! stage (`engine/target.rs`) evaluates, with their YAML forms.

use super::model::KpiScope;
use crate::decimal::Dec;
use schemars::JsonSchema;
use serde::Deserialize;

/// Where a KPI's target comes from: `table`, or a one-key map
/// (`fixed`, `script`, `history`, `benchmark`, `cascade`, `max`, `min`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TargetSource {
    /// The `targets` table: row with this subject, the run's period and this KPI.
    #[default]
    Table,
    /// The same value for every subject and period.
    Fixed(Dec),
    /// A Rhai script (file in the policy folder) returning the target for a
    /// subject; it reads `subject`, `employee` (a map, or `()` for team KPIs)
    /// and `period`.
    Script(String),
    /// From the subject's own past results.
    History(HistoryTarget),
    /// From the `benchmarks` table (market reference values).
    Benchmark(BenchmarkTarget),
    /// A department or company target split among its members.
    Cascade(CascadeTarget),
    /// The larger of several sources.
    Max(Vec<TargetSource>),
    /// The smaller of several sources.
    Min(Vec<TargetSource>),
    /// The employee's value of a number input (individual KPIs).
    Input(String),
}

/// The N periods of the same length before the evaluated one; the KPI's
/// actual in each (by its own aggregation), reduced by `statistic`, times
/// `1 + growth`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryTarget {
    /// How many past periods (e.g. 4 quarters before 2026-Q3: 2025-Q3 … 2026-Q2).
    pub periods: u32,
    /// `mean`, `median` or `max` of the past values.
    pub statistic: Statistic,
    /// Growth over the statistic, e.g. "0.05" for +5%.
    #[serde(default)]
    pub growth: Dec,
    /// Used when a subject lacks enough history (e.g. new hires); without
    /// it, missing history is an error naming the KPI, subject and months.
    pub fallback: Option<Box<TargetSource>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    Mean,
    Median,
    Max,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkTarget {
    /// Multiplier on the benchmark value (default 1).
    #[serde(default = "one")]
    pub factor: Dec,
}

fn one() -> Dec {
    Dec(rust_decimal::Decimal::ONE)
}

/// The parent's target comes from the `targets` table (subject = the
/// department id or `company`, same period and KPI) and is split among the
/// parent's members employed in the period.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CascadeTarget {
    /// `department` or `company`.
    pub from: KpiScope,
    /// How the parent's target is shared.
    pub share: Share,
}

/// `equal`, `base_salary`, or `{ column: NAME }` — a column of the
/// employees table holding each member's share (shares of a parent must sum to 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Share {
    Equal,
    BaseSalary,
    Column(String),
}

/// Schema of [`Share`].
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ShareSpec {
    Name(ShareName),
    Column(ShareColumn),
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ShareName {
    Equal,
    BaseSalary,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ShareColumn {
    /// A column of the employees table with each member's share.
    column: String,
}

impl JsonSchema for Share {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Share".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        ShareSpec::json_schema(g)
    }
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Share;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`equal`, `base_salary` or `{ column: NAME }`")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Share, E> {
                match v {
                    "equal" => Ok(Share::Equal),
                    "base_salary" => Ok(Share::BaseSalary),
                    other => Err(E::unknown_variant(
                        other,
                        &["equal", "base_salary", "{ column: NAME }"],
                    )),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Share, A::Error> {
                match map.next_key::<String>()?.as_deref() {
                    Some("column") => {
                        let c = Share::Column(map.next_value()?);
                        if map.next_key::<String>()?.is_some() {
                            return Err(A::Error::custom("a share takes one key, `column`"));
                        }
                        Ok(c)
                    }
                    Some(other) => Err(A::Error::unknown_field(other, &["column"])),
                    None => Err(A::Error::custom(
                        "an empty share; expected `{ column: NAME }`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Schema of [`TargetSource`]: `table`, or a map with one key.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TargetSpec {
    /// `table`: the targets table.
    Name(TargetName),
    Map(TargetMap),
}

#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TargetName {
    Table,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TargetMap {
    /// The same target for every subject and period.
    pub fixed: Option<Dec>,
    /// A Rhai script returning the target for a subject.
    pub script: Option<String>,
    /// From the subject's own past results.
    pub history: Option<HistoryTarget>,
    /// From the benchmarks table.
    pub benchmark: Option<BenchmarkTarget>,
    /// A parent's target split among its members.
    pub cascade: Option<CascadeTarget>,
    /// The larger of several sources.
    pub max: Option<Vec<TargetSource>>,
    /// The smaller of several sources.
    pub min: Option<Vec<TargetSource>>,
    /// The employee's value of a number input (`inputs:`).
    pub input: Option<String>,
}

impl JsonSchema for TargetSource {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TargetSource".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        TargetSpec::json_schema(g)
    }
}

impl<'de> Deserialize<'de> for TargetSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const KEYS: &[&str] = &[
            "fixed",
            "script",
            "history",
            "benchmark",
            "cascade",
            "max",
            "min",
            "input",
        ];
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TargetSource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`table` or a map with one of: fixed, script, history, benchmark, cascade, max, min, input")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<TargetSource, E> {
                match v {
                    "table" => Ok(TargetSource::Table),
                    other => Err(E::custom(format!(
                        "unknown target source '{other}'; expected `table` or a map with one of: fixed, script, history, benchmark, cascade, max, min, input"
                    ))),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TargetSource, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(A::Error::custom("an empty target; expected one of: fixed, script, history, benchmark, cascade, max, min, input"));
                };
                let out = match key.as_str() {
                    "fixed" => TargetSource::Fixed(map.next_value()?),
                    "script" => TargetSource::Script(map.next_value()?),
                    "history" => TargetSource::History(map.next_value()?),
                    "benchmark" => TargetSource::Benchmark(map.next_value()?),
                    "cascade" => TargetSource::Cascade(map.next_value()?),
                    "max" => TargetSource::Max(map.next_value()?),
                    "min" => TargetSource::Min(map.next_value()?),
                    "input" => TargetSource::Input(map.next_value()?),
                    other => return Err(A::Error::unknown_field(other, KEYS)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!(
                        "a target takes one key; '{extra}' is one too many"
                    )));
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

impl TargetSource {
    /// Visits this source and every source nested in it.
    pub fn walk(&self, f: &mut dyn FnMut(&TargetSource)) {
        f(self);
        match self {
            TargetSource::Max(v) | TargetSource::Min(v) => v.iter().for_each(|s| s.walk(f)),
            TargetSource::History(h) => {
                if let Some(fb) = &h.fallback {
                    fb.walk(f);
                }
            }
            _ => {}
        }
    }
}

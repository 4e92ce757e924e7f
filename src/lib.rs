//! merit — a batch rules engine for performance management and incentive pay.
//!
//! The data flows one way, one module per stage:
//! [`policy`] (load, validate) → [`data`] (ingest, validate) → [`engine`]
//! (KPI values → targets → scores → weights and blend → rating → bonus) →
//! [`output`] (files, manifest). [`cli`] turns arguments into a checked
//! configuration and calls the stages; the library never prints or exits.

pub mod cli;
pub mod data;
pub mod decimal;
pub mod engine;
pub mod error;
pub mod exact;
pub mod exact_small;
pub mod gen;
pub mod ledger;
pub mod memory;
pub mod output;
pub mod period;
pub mod policy;
pub mod progress;
pub mod script;
pub mod script_exact;

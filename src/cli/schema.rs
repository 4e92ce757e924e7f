//! `merit schema`: the JSON Schema of `policy.yaml`, generated from the Rust
//! types that read it (so it cannot drift from what merit accepts), with
//! the rules of `merit check` a schema can say (schema_rules.rs).

use std::process::ExitCode;

pub fn json() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(crate::policy::Policy))
        .expect("a schema is JSON");
    super::schema_rules::tighten(&mut schema);
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    s.push('\n');
    s
}

pub fn main() -> crate::error::Result<ExitCode> {
    print!("{}", json());
    Ok(ExitCode::SUCCESS)
}

//! `merit schema`: the JSON Schema of `policy.yaml`, generated from the Rust
//! types that read it (so it cannot drift from what merit accepts), with
//! the rules of `merit check` a schema can say (schema_rules.rs).

use std::process::ExitCode;

pub fn json() -> String {
    // schemars builds the schema as a JSON value already; converting it
    // cannot fail (no maps with non-string keys, no non-finite numbers).
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

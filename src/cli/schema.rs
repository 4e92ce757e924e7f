//! `merit schema`: the JSON Schema of `policy.yaml`, generated from the Rust
//! types that read it (so it cannot drift from what merit accepts).

use std::process::ExitCode;

pub fn json() -> String {
    let schema = schemars::schema_for!(crate::policy::Policy);
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    s.push('\n');
    s
}

pub fn main() -> crate::error::Result<ExitCode> {
    print!("{}", json());
    Ok(ExitCode::SUCCESS)
}

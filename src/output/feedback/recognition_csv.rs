//! `recognition.csv`, the awards of the run as one table.

use crate::data::Data;
use crate::engine::recognition::EmployeeFeedback;
use crate::engine::RunResult;
use crate::output::csv::Csv;
use crate::output::OutFile;
use crate::policy::LoadedPolicy;

/// `recognition.csv`: one row per award, by employee then rule order.
pub fn recognition_csv(
    lp: &LoadedPolicy,
    data: &Data,
    run: &RunResult,
    feedback: &[EmployeeFeedback],
) -> OutFile {
    let mut c = Csv::with_header(&[
        "employee_id",
        "name",
        "department",
        "period",
        "rule",
        "kind",
        "award_zh",
        "award_en",
    ]);
    let mut rows = 0;
    for (r, fb) in run.employees.iter().zip(feedback) {
        let e = &data.employees[r.employee];
        for &i in &fb.awards {
            let rule = &lp.policy.recognition[i];
            c.text(&e.id)
                .text(&e.name)
                .text(&e.department)
                .text(&run.period.label)
                .text(&rule.id)
                .text(rule.kind.as_str())
                .text(&rule.award.zh)
                .text(&rule.award.en);
            c.end();
            rows += 1;
        }
    }
    OutFile {
        rel: "recognition.csv".into(),
        bytes: c.finish().into_bytes(),
        rows,
    }
}

//! Runs Temporal's cross-SDK feature suite as ported to Ironflow (see
//! `ironflow_compat_tests::features`) on a dev server of its own and prints a table: feature,
//! PASSED/FAILED/SKIPPED, reason, seconds; totals last. Exits 1 if any feature failed.
//!
//! `cargo run -p ironflow-compat-tests --bin features [-- <path prefix>]`

use ironflow::client::{Client, ConnectOptions};
use ironflow_compat_tests::features::{Outcome, UPSTREAM_COMMIT, registry, run_feature, server_address};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    ironflow_compat_tests::init_logging();
    let prefix = std::env::args().nth(1).unwrap_or_default();
    let client = match Client::connect(ConnectOptions::new(server_address())).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("features: cannot connect to the dev server: {e}");
            return ExitCode::from(2);
        }
    };
    println!("temporalio/features @ {UPSTREAM_COMMIT}\n");
    println!("| feature | result | reason | seconds |");
    println!("|---|---|---|---:|");
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (path, status) in registry().iter().filter(|(p, _)| p.starts_with(&prefix)) {
        let (outcome, seconds) = run_feature(&client, path, status).await;
        let (result, reason) = match outcome {
            Outcome::Passed => {
                passed += 1;
                ("PASSED", String::new())
            }
            Outcome::Failed(why) => {
                failed += 1;
                ("FAILED", why)
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                ("SKIPPED", why)
            }
        };
        println!(
            "| {path} | {result} | {} | {seconds:.1} |",
            reason.replace('|', "\\|")
        );
    }
    println!("\n{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

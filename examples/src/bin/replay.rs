//! Replays a folder of JSON histories (`temporal workflow show -o json`, or the Web UI's
//! download) against this program's workflows, for CI: prints a line per history and exits
//! non-zero if any does not replay cleanly.
//!
//! ```text
//! cargo run -p ironflow-examples --bin replay -- path/to/histories/
//! ```

use ironflow::replay::Replayer;
use ironflow_examples::hello::HelloWorkflow;

#[tokio::main]
async fn main() {
    ironflow_examples::init_logging();
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: replay <directory of JSON histories>");
        std::process::exit(2);
    };
    let replayer = Replayer::new().register_workflow::<HelloWorkflow>();
    match replayer.replay_dir(&dir).await {
        Ok(report) => {
            print!("{report}");
            if !report.all_passed() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("replay: {e}");
            std::process::exit(2);
        }
    }
}

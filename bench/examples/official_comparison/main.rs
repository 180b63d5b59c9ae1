//! The four programs of `docs/api-comparison.md` written with the official Temporal Rust SDK
//! (`temporalio-sdk` 1.1.1), as its README and examples show. CI compiles them (clippy builds
//! every target); the Ironflow versions are `examples/src/bin/{hello,counter,saga,children}.rs`
//! and the Python versions `docs/api-comparison/*.py`. Each module's `main` is that program's
//! `main`; this binary runs one of them against `TEMPORAL_ADDRESS`:
//!
//! ```text
//! cargo run -p ironflow-bench --example official_comparison -- hello|counter|saga|children
//! ```

mod children;
mod counter;
mod hello;
mod saga;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1).as_deref() {
        Some("hello") => hello::main().await,
        Some("counter") => counter::main().await,
        Some("saga") => saga::main().await,
        Some("children") => children::main().await,
        _ => Err("usage: official_comparison hello|counter|saga|children".into()),
    }
}

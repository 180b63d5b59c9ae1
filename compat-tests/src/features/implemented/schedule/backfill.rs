//! `schedule/backfill`: a paused every-minute schedule backfilled over two 2-minute windows (three
//! years ago, and 30 minutes ago; both ends inclusive) runs its action six times, all finished.

use super::pause::{Echo, paused_schedule};
use crate::features::support::{fail, wait_for};
use ironflow::client::{Client, ScheduleBackfill, ScheduleOverlapPolicy};
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::{Duration, SystemTime};

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Echo>()
}

/// `t` rounded down to the minute.
fn minute(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs - secs % 60)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = paused_schedule(&client, &task_queue, "schedule-backfill", "").await?;
    let outcome = async {
        let now = SystemTime::now();
        let three_years_ago = minute(now - Duration::from_secs(3 * 365 * 24 * 3600));
        let thirty_minutes_ago = minute(now - Duration::from_secs(30 * 60));
        let window = |end: SystemTime| ScheduleBackfill {
            start: end - Duration::from_secs(120),
            end,
            overlap: ScheduleOverlapPolicy::AllowAll,
        };
        handle
            .backfill(&[window(three_years_ago), window(thirty_minutes_ago)])
            .await
            .map_err(fail)?;
        wait_for("six finished actions", Duration::from_secs(15), || async {
            handle
                .describe()
                .await
                .is_ok_and(|d| d.info.num_actions == 6 && d.info.running_workflows.is_empty())
        })
        .await
    }
    .await;
    handle.delete().await.map_err(fail)?;
    outcome.map(|()| Vec::new())
}

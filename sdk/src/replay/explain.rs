//! Core's replay failures in plain words: the event that differs (id and type), what the history
//! has and what the code did — as far as Core's message says; otherwise its first line.

use temporalio_common::protos::temporal::api::history::v1::{History, history_event::Attributes};

/// The activities a history schedules: (event id, activity type), to name the event a
/// mismatch is about.
pub(crate) fn scheduled_activities(history: &History) -> Vec<(i64, String)> {
    history
        .events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => Some((
                e.event_id,
                a.activity_type
                    .as_ref()
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

/// The mismatch in `message` (a replay failure's message), with `scheduled` the activities of
/// the replayed history.
pub(crate) fn explain(message: &str, scheduled: &[(i64, String)]) -> String {
    let lower = message.to_ascii_lowercase();
    let quoted = |after: &str| -> Option<String> {
        let rest = &message[lower.find(after)? + after.len()..];
        let rest = rest.strip_prefix('\'')?;
        Some(rest[..rest.find('\'')?].to_string())
    };
    if let (Some(recorded), Some(issued)) = (
        quoted("activity type of scheduled event "),
        quoted("activity type of activity command "),
    ) {
        let ids: Vec<i64> = scheduled
            .iter()
            .filter(|(_, name)| *name == recorded)
            .map(|(id, _)| *id)
            .collect();
        let at = match ids.as_slice() {
            [one] => format!("event {one} (ActivityTaskScheduled)"),
            _ => "an ActivityTaskScheduled event".to_string(),
        };
        return format!(
            "{at}: the history has activity `{recorded}`; the code scheduled activity `{issued}`"
        );
    }
    if let Some(rest) = message.split("No command scheduled for event ").nth(1) {
        let event = rest.lines().next().unwrap_or(rest).trim();
        return format!(
            "{event}: the history has this event; the code issued no command for it (it stopped, or did something \
             else first)"
        );
    }
    message.lines().next().unwrap_or(message).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_mismatches_name_the_event_and_both_sides() {
        let scheduled = vec![(5, "reserve".to_string()), (11, "charge".to_string())];
        let m = "[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'charge' does not match activity \
                 type of activity command 'ship'";
        assert_eq!(
            explain(m, &scheduled),
            "event 11 (ActivityTaskScheduled): the history has activity `charge`; the code scheduled activity `ship`"
        );
        let twice = vec![(5, "charge".to_string()), (11, "charge".to_string())];
        assert!(explain(m, &twice).starts_with("an ActivityTaskScheduled event: "));
        assert_eq!(
            explain(
                "[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 8, TimerStarted)",
                &[]
            ),
            "HistoryEvent(id: 8, TimerStarted): the history has this event; the code issued no command for it (it \
             stopped, or did something else first)"
        );
        assert_eq!(explain("first line\nsecond", &[]), "first line");
    }
}

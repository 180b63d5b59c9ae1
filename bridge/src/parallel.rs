//! Spreading independent per-instance work (translation, JSON writing) over the machine's cores.

/// Applies `f` to every item on up to `available_parallelism` scoped threads and returns the
/// results in input order. Small inputs run on the calling thread.
///
/// ```
/// let squares = ironflow_bridge::parallel::map_in_order(&[1, 2, 3], |x| x * x);
/// assert_eq!(squares, vec![1, 4, 9]);
/// ```
pub fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Below this, thread start-up costs more than it saves.
    const MIN_PER_THREAD: usize = 64;
    if threads == 1 || items.len() < 2 * MIN_PER_THREAD {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // A panic in `f` is a bug in `f`: carry it to the caller unchanged.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}
